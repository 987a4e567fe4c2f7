#!/usr/bin/env bash
# Install everything the test suite needs, then run the linters and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
python3 -m ruff check .
python3 -m mypy
# The Docker sandbox tests need the runner image; it is built offline (debootstrap) when missing
# or out of date, and this is a no-op otherwise.
if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update && apt-get install -y debootstrap
fi
python3 -m rlvr_gym sandbox build
# The sandbox's isolation and attack tests run again under gVisor: this installs runsc and
# registers it with Docker (needs root; a no-op once done).
./scripts/enable-gvisor.sh
python3 -m pytest "$@"
