// Coded errors of the CLI package build (local/cli-package/pack.ts).
import { defineError } from '../../common/errors.js';

export const CliPackageMissingFile = defineError(
  'WALT_ERR_CLI_PACKAGE_MISSING_FILE',
  (file: string, from: string) =>
    `${from} imports ${file}, which dist/ lacks; build first (node_modules/.bin/tsc -p tsconfig.build.json) or run pack.ts without --no-build`,
  404,
);

export const CliPackageUnlockedDependency = defineError(
  'WALT_ERR_CLI_PACKAGE_UNLOCKED_DEPENDENCY',
  (name: string) =>
    `the CLI imports "${name}", which package-lock.json does not list as a dependency of the project; add it to package.json's dependencies and run npm install`,
  409,
);

export const CliPackageCommandFailed = defineError(
  'WALT_ERR_CLI_PACKAGE_COMMAND_FAILED',
  (command: string, detail: string) => `${command} failed: ${detail}`,
);
