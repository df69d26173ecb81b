// The version `walt --version` prints: the one of the nearest package.json above the entry file, which is
// the project's own in a clone (cli/main.ts, dist/cli/main.js) and the CLI package's once installed
// (local/cli-package/pack.ts writes it). The walk itself is common/version.ts (the operator and the
// agents report their version the same way).
export { readTextOrUndefined, versionAbove } from '../common/version.js';
