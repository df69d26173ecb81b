#!/usr/bin/env bash
# Builds the control-plane binaries (kube-apiserver, kube-controller-manager, kubectl, etcd, helm)
# and the node binaries of the test kubelet node (kubelet, kube-scheduler, kube-proxy; see
# local/kubenode) from their official Go modules at the pinned versions in versions.env, and caches
# them by version. A second call is a no-op. Prints the directory holding the binaries on stdout (last line).
# The two sets have their own completion marker, so a cache made before the node binaries existed
# only builds the three missing ones.
#
# Prebuilt binaries: set WALT_ASSETS to a directory containing the five control-plane binaries (as
# envtest's KUBEBUILDER_ASSETS), plus the three node binaries for the kubelet node; nothing is built then.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

bins=(kube-apiserver kube-controller-manager kubectl etcd helm)
node_bins=(kubelet kube-scheduler kube-proxy)

if [ -n "${WALT_ASSETS:-}" ]; then
  for b in "${bins[@]}"; do
    [ -x "$WALT_ASSETS/$b" ] || { echo "WALT_ASSETS=$WALT_ASSETS has no executable $b" >&2; exit 1; }
  done
  # The node binaries are optional there: local/kubenode names the missing one when it needs it.
  echo "$WALT_ASSETS"
  exit 0
fi

cache=${WALT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/walt-operator}
key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}"
out="$cache/bin/$key"
done_marker="$out/.complete"
node_marker="$out/.complete-node"
if [ -f "$done_marker" ] && [ -f "$node_marker" ]; then
  echo "$out"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build the control plane (or set WALT_ASSETS)" >&2; exit 1; }
mkdir -p "$out"
# One build at a time per cache: concurrent test runs wait for the first to finish.
exec 9>"$cache/build.lock"
flock 9
if [ -f "$done_marker" ] && [ -f "$node_marker" ]; then echo "$out"; exit 0; fi

log() { echo "[build-binaries] $*" >&2; }
start=$(date +%s)

# k8s.io/kubernetes is not meant to be a dependency: its go.mod replaces each k8s.io/* staging
# module by a local directory. We build it from a throwaway module that requires it at the pinned
# release and replaces every staging module by its matching published version.
work="$cache/src/$key/kube"
mkdir -p "$work"
mod_file="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/${KUBERNETES_VERSION}.mod"
( cd "$work" && GOFLAGS=-mod=mod go mod download "k8s.io/kubernetes@${KUBERNETES_VERSION}" ) >&2
staging=$(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$mod_file")
{
  echo "module walt.local/controlplane"
  echo
  echo "go $(sed -n 's/^go //p' "$mod_file")"
  echo
  echo "require ("
  echo "  k8s.io/kubernetes ${KUBERNETES_VERSION}"
  echo "  go.etcd.io/etcd/server/v3 ${ETCD_VERSION}"
  echo ")"
  echo
  echo "replace ("
  for m in $staging; do echo "  $m => $m ${KUBERNETES_STAGING_VERSION}"; done
  echo ")"
} > "$work/go.mod"
cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
mkdir -p "$work/etcd"
cat > "$work/etcd/main.go" <<'GO'
// etcd server entry point, built from the same module graph as kube-apiserver.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
log "resolving modules for kubernetes ${KUBERNETES_VERSION}"
( cd "$work" && GOFLAGS=-mod=mod go mod tidy -e ) >&2
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean"
build_cmd() {
  log "building $1"
  ( cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/$1.tmp" "k8s.io/kubernetes/cmd/$1" ) >&2
  mv "$out/$1.tmp" "$out/$1"
}

if [ ! -f "$done_marker" ]; then
  for cmd in kube-apiserver kube-controller-manager kubectl; do build_cmd "$cmd"; done
  log "building etcd ${ETCD_VERSION}"
  ( cd "$work" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" ./etcd ) >&2
  mv "$out/etcd.tmp" "$out/etcd"

  log "building helm ${HELM_VERSION}"
  ( cd "$work" && CGO_ENABLED=0 GOBIN="$out" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" ) >&2
  touch "$done_marker"
fi

# The kubelet node's binaries (local/kubenode): same module graph and ldflags as the apiserver, so
# the node reports the control plane's exact version.
if [ ! -f "$node_marker" ]; then
  for cmd in "${node_bins[@]}"; do build_cmd "$cmd"; done
  touch "$node_marker"
fi

log "built in $(( $(date +%s) - start ))s into $out"
echo "$out"
