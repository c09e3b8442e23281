#!/usr/bin/env bash
# The main job on the embedded default: install what Aegis needs, build it, create a SQLite store
# with synthetic South Sudan data from four invented partners (Kobo, ODK Central, HXL and
# key-informant monitoring files, imported through the real importers), and print the monthly
# summary per county and protection risk.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh build
./build/aegis demo --dir demo "$@"
