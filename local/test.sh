#!/usr/bin/env bash
# The whole test suite: static checks, unit tests and integration tests against a real control plane
# that the tests start themselves. Extra arguments go to jest (e.g. --selectProjects unit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
"$here/install-deps.sh"
cd "$root"
echo "[test] typecheck, lint, generated files" >&2
node_modules/.bin/tsc -p tsconfig.json --noEmit
# The built CLI (dist/) is what the CLI and end-to-end tests spawn.
rm -rf dist && node_modules/.bin/tsc -p tsconfig.build.json
node_modules/.bin/eslint .
node_modules/.bin/prettier --check . >/dev/null || { node_modules/.bin/prettier --check . ; exit 1; }
node_modules/.bin/tsx crds/generate.ts --check
node_modules/.bin/tsx local/layers/main.ts
# Virtual nodes under TCG unless asked otherwise: on hosts whose /dev/kvm runs guests slower than
# emulation (this machine kind), the agent's KVM probe decides by a timing, and a wrong "yes" stalls
# every boot of a run. WALT_QEMU_ACCEL=kvm forces KVM, an empty value lets the probe decide.
export WALT_QEMU_ACCEL="${WALT_QEMU_ACCEL-tcg}"
# The operator and agent container images (base, OS layer, Node.js and npm tree cached; about 6 min
# cold, seconds when nothing changed), made before jest so that the image and in-cluster tests only
# push them. Here rather than in install-deps.sh: the process-mode testbed does not use them.
node_modules/.bin/tsx images/build.ts >/dev/null
echo "[test] jest (unit + integration)" >&2
NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning" exec node_modules/.bin/jest "$@"
