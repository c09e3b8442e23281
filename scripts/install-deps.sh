#!/usr/bin/env bash
# Installs everything Aegis needs to build, run and test, from Debian 12 (bookworm) packages.
# Idempotent: on a machine that already has the packages it only checks them (a few seconds).
# Run as root, or as a user with sudo. Set AEGIS_SKIP_APT=1 to skip (e.g. on a non-Debian dev box).
set -euo pipefail
[ "${AEGIS_SKIP_APT:-0}" = 1 ] && exit 0

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev clang-format clang-tidy
  # storage and formats
  libsqlite3-dev sqlite3 libminizip-dev libexpat1-dev nlohmann-json3-dev libsimdjson-dev
  libxlsxwriter-dev
  libxxhash-dev libicu-dev libtomlplusplus-dev libcli11-dev libfmt-dev libssl-dev
  # geography (boundaries from GeoJSON/shapefile, point in polygon)
  libgdal-dev libgeos-dev
  # server and security: HTTP (cpp-httplib), Argon2id and field encryption (libsodium), load test
  libcpp-httplib-dev libsodium-dev wrk
  # life-saving messages: phone numbers checked as E.164 (libphonenumber), ISO 639-3 language
  # codes (iso-codes' iso_639-3.json)
  libphonenumber-dev iso-codes
  # early warning: e-mail of alerts (libcurl SMTP), a real SMTP server on loopback for its test
  libcurl4-openssl-dev python3-aiosmtpd
  # PostgreSQL backend (libpqxx over libpq); a throwaway PostgreSQL 15 server for its tests;
  # nginx in front of several server processes in the multi-process test, and deploy/nginx.conf
  # run over TLS (a throwaway certificate from openssl, requests with curl) in its test
  libpqxx-dev libpq-dev postgresql nginx-light openssl curl
  # analysis: exact tests (Boost.Math), suppression audit (GLPK), the report printed to PDF
  libboost-dev libglpk-dev chromium
  # the web application's end-to-end tests: Debian's Chromium driven by playwright-core (npm),
  # fonts with Arabic glyphs for the right-to-left screenshots
  chromium-driver fonts-noto-core
  # tests and benchmarks; a real Prometheus text parser reads /metrics in its test
  libgtest-dev libgmock-dev libbenchmark-dev time python3-prometheus-client
)

SUDO=()
if [ "$(id -u)" != 0 ]; then SUDO=(sudo); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
# Node.js for the web build (npm + Vite). A machine with Node already (e.g. NodeSource's, which
# bundles npm) keeps it: Debian's npm package conflicts with it. Without Node, Debian's nodejs
# 18.20 and npm 9 are enough (web/package.json pins packages that accept Node 18.20).
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
