#!/usr/bin/env bash
# The local testbed: `up` installs what is missing, starts a real control plane (etcd, kube-apiserver,
# kube-controller-manager) with the walt.dev CRDs, and prints how to use it.
# Also: down [--purge], status, env, crds (install the CRDs into the cluster of $KUBECONFIG).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
command=${1:-up}
shift || true
case "$command" in
  up|crds) "$here/install-deps.sh" ;;
esac
cd "$root"
# With WALT_USE_EXISTING_CLUSTER=true, `up` only installs the CRDs into the cluster of $KUBECONFIG.
if [ "$command" = up ] && [ "${WALT_USE_EXISTING_CLUSTER:-}" = true ]; then command=crds; fi
node_modules/.bin/tsx local/controlplane/main.ts "$command" "$@"
if [ "$command" = up ]; then
  cat >&2 <<'NEXT'

Next:
  eval "$(local/testbed.sh env)"
  kubectl apply -f examples/segment.yaml -f examples/vnode.yaml
  kubectl get walt
NEXT
fi
