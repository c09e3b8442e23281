#!/usr/bin/env bash
# The main job on the embedded default: install what Aegis needs, build it, create a SQLite store
# with synthetic South Sudan data from four invented partners (Kobo, ODK Central, HXL and
# key-informant monitoring files, imported through the real importers), print the monthly
# summary and the analysis, then start the API server (and the web application at /) on it and
# print the first sign-in.
#
# In a terminal the server runs until Ctrl-C. Without one (CI, a script), the server is started,
# signed in to over HTTP, read, and stopped: set AEGIS_DEMO_SERVE=yes to keep it running anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build-web.sh
./scripts/build.sh build
mode=${AEGIS_DEMO_SERVE:-}
if [ -z "$mode" ]; then
  if [ -t 0 ] && [ -t 1 ]; then mode=yes; else mode=check; fi
fi
./build/aegis demo --dir demo --serve "$mode" "$@"
