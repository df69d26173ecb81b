#!/usr/bin/env bash
# The local testbed: `up` installs what is missing, starts a real control plane (etcd, kube-apiserver,
# kube-controller-manager) with the walt.dev CRDs, and prints how to use it. Also: down [--purge], status, env.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
command=${1:-up}
shift || true
if [ "$command" = up ]; then "$here/install-deps.sh"; fi
cd "$root"
exec node_modules/.bin/tsx local/controlplane/main.ts "$command" "$@"
