#!/usr/bin/env bash
# Checks the worker image's runtime without Docker: builds dist/ from a copy of the build context (.dockerignore
# applied) as the Dockerfile's build stage does, lays out /app as its runtime stage does (its COPY lines, then
# `npm ci --omit=dev`), and runs it as an unprivileged user against a Temporal dev server set up by
# deploy/temporal/create-namespace.sh and a password-protected redis-server, all on 127.0.0.1: the worker must start
# from compiled JavaScript, pass the image's HEALTHCHECK command, take a rollout that `rollout` (on PATH) starts and
# approves, and drain on SIGTERM.
#
#   bash deploy/check-image-runtime.sh        # about a minute; needs scripts/bootstrap.sh to have run
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { printf '[image-runtime] %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# The build context: top-level entries that .dockerignore does not exclude (its patterns have no `**`, so they
# match at the top level only, as Docker matches them).
mapfile -t patterns < <(grep -v -e '^#' -e '^$' .dockerignore)
ignored() {
  local name=$1 verdict=1 pattern
  for pattern in "${patterns[@]}"; do
    # shellcheck disable=SC2254 # the patterns are globs on purpose
    case "$pattern" in
      '!'*) case "$name" in ${pattern#!}) verdict=1 ;; esac ;;
      *) case "$name" in $pattern) verdict=0 ;; esac ;;
    esac
  done
  return $verdict
}
mkdir -p "$work/context"
shopt -s dotglob nullglob
for entry in *; do ignored "$entry" || cp -a "$entry" "$work/context/"; done
shopt -u dotglob nullglob

say "build stage: tsc -p tsconfig.build.json in the build context"
# The build stage installs every dependency with npm ci; the compiler only needs them present, so borrow ours.
ln -s "$ROOT/node_modules" "$work/context/node_modules"
(cd "$work/context" && node_modules/.bin/tsc -p tsconfig.build.json && touch dist/.build-stamp) || fail "the build stage does not compile"

say "runtime stage: its COPY lines, then npm ci --omit=dev"
app="$work/app"
mkdir -p "$app" "$work/bin" "$work/home"
# COPY lines of the runtime stage (the last FROM): `COPY --from=build /app/X Y` from the build, `COPY X… Y` from the context.
while read -r -a words; do
  sources=("${words[@]:1}") base="$work/context"
  if [[ ${sources[0]} == --from=build ]]; then sources=("${sources[@]:1}") base="$work/context/dist/.."; fi
  dest="$app/${sources[-1]#./}"
  unset 'sources[-1]'
  for src in "${sources[@]}"; do
    src="$base/${src#/app/}"
    [ -e "$src" ] || fail "the Dockerfile copies $src, which the build context does not have"
    cp -a "$src" "$dest"
  done
done < <(awk '/^FROM /{stage=$0} stage ~ / AS runtime$/ && /^COPY /' Dockerfile)
(cd "$app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2) || fail "npm ci --omit=dev"
[ ! -e "$app/node_modules/typescript" ] || fail "typescript is installed without dev dependencies"
ln -s "$app/bin/rollout.js" "$work/bin/rollout"
# The image runs as an unprivileged user: as root, so does this check (as nobody); otherwise as the caller.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  chown nobody "$work/home"
  # setpriv execs (runuser would stay in between and SIGKILL the worker 2 s after forwarding SIGTERM).
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
chmod -R a-w "$app"

say "Temporal dev server, namespace and search attributes (deploy/temporal/create-namespace.sh)"
temporal_port=$(free_port)
"$ROOT/.tools/venv/bin/temporal" server start-dev --ip 127.0.0.1 --port "$temporal_port" --headless --log-level error \
  >"$work/temporal.log" 2>&1 &
pids+=($!)
PATH="$ROOT/.tools/venv/bin:$PATH" TEMPORAL_ADDRESS="127.0.0.1:$temporal_port" TEMPORAL_NAMESPACE=default \
  ROLLOUT_SEARCH_ATTRIBUTES="$(sed -n 's/^ *ROLLOUT_SEARCH_ATTRIBUTES: //p' docker-compose.yml)" \
  sh deploy/temporal/create-namespace.sh >"$work/namespace.log" 2>&1 || { cat "$work/namespace.log" >&2; fail "create-namespace.sh"; }

say "redis-server with a password, checked as the compose health check does"
redis_port=$(free_port)
password=$(node -e "console.log(require('crypto').randomBytes(24).toString('hex'))")
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --requirepass "$password" --loglevel warning \
  >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
[ "$(REDISCLI_AUTH=$password redis-cli -p "$redis_port" ping)" = PONG ] || fail "redis-cli ping with REDISCLI_AUTH"
redis-cli -p "$redis_port" ping 2>&1 | grep -q NOAUTH || fail "redis answers without the password"

# Stands in for Snowplow Micro: counts the batches the tracking path posts.
collector_port=$(free_port)
node -e "let n=0;require('http').createServer((q,r)=>q.resume().on('end',()=>{require('fs').writeFileSync(process.argv[1],String(++n));r.writeHead(200).end()})).listen(+process.argv[2],'127.0.0.1')" \
  "$work/collector.count" "$collector_port" &
pids+=($!)

# As in the image: the runtime stage's ENV, an unprivileged user, a read-only /app; as in compose: the worker's settings.
metrics_port=$(free_port)
image_env=("${as_user[@]}" env -i PATH="$work/bin:/usr/local/bin:/usr/bin:/bin"
  HOME="$work/home" NODE_ENV=production ROLLOUT_KEYS_DIR="$work/home/keys"
  TEMPORAL_ADDRESS="127.0.0.1:$temporal_port" TEMPORAL_NAMESPACE=default
  REDIS_URL="redis://:$password@127.0.0.1:$redis_port" SNOWPLOW_COLLECTOR_URL="http://127.0.0.1:$collector_port"
  METRICS_ADDRESS="127.0.0.1:$metrics_port" LOG_LEVEL=info)
as_image() { (cd "$app" && exec "${image_env[@]}" "$@"); }

say "worker: node dist/worker/main.js"
# Started directly (not through as_image's extra subshell), so that $! is the worker itself.
(cd "$app" && exec "${image_env[@]}" node dist/worker/main.js) >"$work/worker.log" 2>&1 &
worker=$!
pids+=("$worker")
healthcheck=$(awk '/^HEALTHCHECK /,/CMD \[/' Dockerfile | sed -n 's/^ *CMD \(\[.*\]\)$/\1/p')
[ -n "$healthcheck" ] || fail "no HEALTHCHECK CMD in the Dockerfile"
mapfile -t probe < <(node -e 'for (const arg of JSON.parse(process.argv[1])) console.log(arg)' "$healthcheck")
healthy=""
for _ in $(seq 60); do
  kill -0 "$worker" 2>/dev/null || { cat "$work/worker.log" >&2; fail "the worker exited"; }
  if as_image "${probe[@]}" 2>"$work/health.err"; then healthy=yes; break; fi
  sleep 1
done
[ -n "$healthy" ] || { cat "$work/worker.log" "$work/health.err" >&2; fail "the HEALTHCHECK command did not pass within 60 s"; }
grep -q '"msg":"worker running' "$work/worker.log" || fail "healthy, but the worker never said it runs"
ready=""
for _ in $(seq 30); do
  if node -e "fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "http://127.0.0.1:$metrics_port/readyz"; then ready=yes; break; fi
  sleep 1
done
[ -n "$ready" ] || { node -e "fetch(process.argv[1]).then((r) => r.text()).then(console.error, console.error)" "http://127.0.0.1:$metrics_port/readyz"; fail "/readyz did not answer 200 within 30 s"; }
say "HEALTHCHECK passes, /readyz answers 200 (Temporal, the password-protected Redis, the worker)"

say "CLI: rollout on PATH, compiled, production dependencies only"
as_image rollout --help >"$work/help.out" 2>"$work/help.err" || { cat "$work/help.err" >&2; fail "rollout --help"; }
[ ! -s "$work/help.err" ] || { cat "$work/help.err" >&2; fail "rollout --help printed on stderr (not the compiled CLI?)"; }
as_image rollout keys generate --name alice >/dev/null 2>&1 || fail "rollout keys generate"
as_image rollout keys generate --name bob >/dev/null 2>&1 || fail "rollout keys generate"
# shellcheck disable=SC2016 # expanded by the inner shell, as the image user
as_image sh -c 'printf "keys:\n  alice: \"%s\"\n  bob: \"%s\"\n" "$(rollout keys show --name alice)" "$(rollout keys show --name bob)" > "$HOME/keyring.yaml"'
flag=route_hll_to_snowplow_phase3
as_image rollout start "$flag" --plan plans/demo.yaml --requested-by mikolaj_wawrzyniak --keyring "$work/home/keyring.yaml" >/dev/null \
  || fail "rollout start"
wait_for() {
  for _ in $(seq 60); do as_image rollout status "$flag" --json 2>/dev/null | grep -q "$1" && return 0; sleep 0.5; done
  as_image rollout status "$flag" >&2 || true
  fail "the rollout never reached $1"
}
wait_for '"pendingGate": *"staging-qa"'
as_image rollout approve "$flag" --gate staging-qa --by alice >/dev/null || fail "rollout approve"
wait_for '"pendingGate": *"production-qa"'
as_image rollout list | grep -q "^$flag " || fail "rollout list does not show the rollout"
# Production now has the rollout's groups (gitlab-org, gitlab-com: the traffic's first two namespaces, its only ones here), so
# events go to Snowplow, through the tracking path's thread (dist/tracking/snowplow-thread-main.js).
as_image rollout traffic --rate 50 --duration 3s --namespaces 2 >"$work/traffic.log" 2>&1 || { cat "$work/traffic.log" >&2; fail "rollout traffic"; }
[ "$(cat "$work/collector.count" 2>/dev/null || echo 0)" -gt 0 ] || { cat "$work/traffic.log" >&2; fail "rollout traffic sent nothing to the collector"; }
as_image rollout abort "$flag" --by alice --reason "image runtime check done" >/dev/null || fail "rollout abort"
say "rollout started, approved, listed and aborted through the worker; rollout traffic reached the collector"

say "SIGTERM: the worker drains and exits 0"
kill -TERM "$worker"
for _ in $(seq 300); do kill -0 "$worker" 2>/dev/null || break; sleep 0.1; done
kill -0 "$worker" 2>/dev/null && fail "the worker still runs 30 s after SIGTERM"
wait "$worker" || fail "the worker exited with status $? after SIGTERM"
say "ok: the image's runtime works from compiled JavaScript with production dependencies only"
