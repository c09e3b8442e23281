#!/usr/bin/env bash
# Builds the web application (web/, TypeScript + Vite) into web/dist, which `aegis serve` serves
# at /. `npm ci` runs only when web/package-lock.json changed since the last install; the
# type check (tsc --noEmit, strict) and the Vite build run when a source file is newer than the
# last build. Safe to re-run. Needs Node >= 18.20 (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v node >/dev/null 2>&1; then
  echo "build-web: node is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>18||(a===18&&b>=20)?0:1)' || {
  echo "build-web: Node >= 18.20 is needed (found $(node --version))" >&2
  exit 1
}
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.aegis-lock ] || [ "$(cat node_modules/.aegis-lock)" != "$lock_sum" ]; then
  echo "build-web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.aegis-lock
fi
stamp=dist/.aegis-build
if [ -f "$stamp" ] && [ -f dist/index.html ] &&
  [ -z "$(find src public index.html vite.config.ts tsconfig.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  echo "build-web: web/dist is up to date"
  exit 0
fi
echo "build-web: type check and build"
npx --no-install tsc --noEmit
npx --no-install vite build --logLevel warn
touch "$stamp"
gz=$(find dist -name '*.js' -o -name '*.css' -o -name '*.html' | xargs cat | gzip -9 | wc -c)
echo "build-web: web/dist built ($(du -sk dist | cut -f1) KB; all JS, CSS and HTML gzipped together: $((gz / 1024)) KB)"
