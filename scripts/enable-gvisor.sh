#!/usr/bin/env bash
# Register gVisor's runsc with the local Docker engine as the runtime `rlvr-runsc`, for the code
# sandbox's stronger isolation (docs/security.md). Needs root. Installs runsc from Debian's
# packages when it is missing, adds the runtime to /etc/docker/daemon.json (keeping every other
# setting) and makes dockerd reload its configuration (SIGHUP): no container is restarted.
# Its flags: `--network=none` (the sandbox never has a network, so gVisor's own network stack is
# left out) and `--oci-seccomp` (Docker's seccomp profile applies inside gVisor too, as under
# runc: no unshare, no keyrings). A no-op when the engine already has the runtime so.
set -euo pipefail
runtime="${1:-rlvr-runsc}"
config=/etc/docker/daemon.json
wanted='["--network=none", "--oci-seccomp"]'

registered() {
    docker info --format '{{json .Runtimes}}' | python3 -c '
import json, sys
runtimes, name, wanted = json.load(sys.stdin), sys.argv[1], json.loads(sys.argv[2])
entry = runtimes.get(name) or {}
sys.exit(0 if entry.get("runtimeArgs") == wanted else 1)' "${runtime}" "${wanted}"
}

if registered; then
    echo "the Docker engine already has the runtime ${runtime}"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "error: registering a Docker runtime needs root (it edits ${config}); rerun with sudo" >&2
    exit 1
fi
if ! command -v runsc >/dev/null 2>&1; then
    apt-get update && apt-get install -y runsc
fi
runsc_path="$(command -v runsc)"

python3 - "${config}" "${runtime}" "${runsc_path}" "${wanted}" <<'EOF'
import json, os, sys

config, runtime, path, wanted = sys.argv[1:]
settings = {}
if os.path.exists(config):
    with open(config, encoding="utf-8") as handle:
        text = handle.read().strip()
    settings = json.loads(text) if text else {}
settings.setdefault("runtimes", {})[runtime] = {"path": path, "runtimeArgs": json.loads(wanted)}
os.makedirs(os.path.dirname(config), exist_ok=True)
with open(config + ".tmp", "w", encoding="utf-8") as handle:
    json.dump(settings, handle, indent=2)
os.replace(config + ".tmp", config)
EOF

pid="$(pidof dockerd || true)"
if [ -z "${pid}" ]; then
    echo "error: no dockerd process to reload; start Docker and rerun" >&2
    exit 1
fi
kill -HUP ${pid}
for _ in $(seq 50); do
    if registered; then
        echo "registered ${runsc_path} with the Docker engine as the runtime ${runtime}"
        echo "check that it can boot a sandbox here: rlvr sandbox check --runtime ${runtime}"
        exit 0
    fi
    sleep 0.2
done
echo "error: dockerd did not pick up the runtime ${runtime} from ${config}; restart it" >&2
exit 1
