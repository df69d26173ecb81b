#!/usr/bin/env bash
# The local testbed. `up` installs what is missing, starts a real control plane (etcd, kube-apiserver,
# kube-controller-manager) with the walt.dev CRDs, then the lab: segment "lab" in network namespace
# walt-lab, a registry with the default Debian image, the operator and the boot agent, and the virtual
# node vn1, booted and Ready. `down [--purge]` stops all of it; `status`; `env` (eval it to use kubectl);
# `crds` (install the CRDs into the cluster of $KUBECONFIG).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
command=${1:-up}
shift || true
lab_dir=${WALT_LAB_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/walt-operator/lab}
lab_pid_file="$lab_dir/lab.pid"
tsx="$root/node_modules/.bin/tsx"

lab_running() { [ -f "$lab_pid_file" ] && kill -0 "$(cat "$lab_pid_file")" 2>/dev/null; }

lab_up() {
  if lab_running; then echo "[testbed] the lab is already running (pid $(cat "$lab_pid_file"))" >&2; return; fi
  mkdir -p "$lab_dir"
  : >"$lab_dir/lab.log"
  eval "$("$tsx" local/controlplane/main.ts env)"
  echo "[testbed] starting the lab (first run: builds the default image, a few minutes); log: $lab_dir/lab.log" >&2
  setsid "$tsx" local/lab/main.ts >>"$lab_dir/lab.log" 2>&1 </dev/null &
  echo $! >"$lab_pid_file"
  local seen=0
  while lab_running; do
    if grep -q "LAB READY" "$lab_dir/lab.log"; then break; fi
    local lines; lines=$(wc -l <"$lab_dir/lab.log")
    if [ "$lines" -gt "$seen" ]; then sed -n "$((seen + 1)),${lines}p" "$lab_dir/lab.log" >&2; seen=$lines; fi
    sleep 2
  done
  if ! grep -q "LAB READY" "$lab_dir/lab.log"; then
    tail -n 40 "$lab_dir/lab.log" >&2
    echo "[testbed] the lab did not come up (see $lab_dir/lab.log)" >&2
    exit 1
  fi
  grep "LAB READY" "$lab_dir/lab.log" >&2
}

lab_down() {
  lab_running || return 0
  local pid; pid=$(cat "$lab_pid_file")
  kill -TERM "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$lab_pid_file"
}

case "$command" in
  up|crds) "$here/install-deps.sh" ;;
esac
cd "$root"
# With WALT_USE_EXISTING_CLUSTER=true, `up` only installs the CRDs into the cluster of $KUBECONFIG.
if [ "$command" = up ] && [ "${WALT_USE_EXISTING_CLUSTER:-}" = true ]; then command=crds; fi
case "$command" in
  down) lab_down ;;
esac
"$tsx" local/controlplane/main.ts "$command" "$@"
case "$command" in
  up)
    lab_up
    cat >&2 <<'NEXT'

The testbed is up: vn1 (a qemu virtual node) network-booted the default Debian image.
Next:
  eval "$(local/testbed.sh env)"
  kubectl get walt                                  # segment, images, nodes
  kubectl get wn vn1 -o yaml                        # its status: IP, booted image, lastBootStats
  kubectl get events --field-selector involvedObject.name=vn1   # boots, VM starts
  kubectl patch wn vn1 --type merge -p '{"spec":{"image":"<namespace>/<WaltImage>"}}'   # reboot into another image
  kubectl apply -f examples/experiment.yaml         # claim vn1, boot default/debian-pc, run uname, release
  kubectl get exp hello -o yaml                     # phase, step results with the command's output
  kubectl apply -f examples/vnode-2.yaml            # a second virtual node, vn2
  npm run walt -- experiment run examples/experiment-selector.yaml --follow   # both nodes: copy, reboot, boot
  npm run walt -- log show --history full --issuers vn1   # logs of vn1 (its output, walt-log-echo lines)
  npm run walt -- node run vn1 -- uname -a          # a command on the node (its command channel)
  local/testbed.sh down                             # stop everything (--purge also deletes the data)
NEXT
    ;;
  status)
    if lab_running; then echo "lab: running (pid $(cat "$lab_pid_file"), log $lab_dir/lab.log)"; else echo "lab: stopped"; fi
    ;;
esac
