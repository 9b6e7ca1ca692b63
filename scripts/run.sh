#!/usr/bin/env bash
# The newcomer's one command: installs what is missing, starts PostgreSQL, Redis, the BRI simulator,
# both servers and the gateway, prints the URLs, and stops everything it started on Ctrl-C.
set -euo pipefail
ORIGINAL_PATH=$PATH
source "$(dirname "$0")/lib/common.sh"
source "$ROOT_DIR/scripts/lib/services.sh"
source "$ROOT_DIR/scripts/lib/stack.sh"
source "$ROOT_DIR/scripts/lib/gateway.sh"
source "$ROOT_DIR/scripts/lib/envFile.sh"
source "$ROOT_DIR/scripts/lib/frontend.sh"

RUN="$ROOT_DIR/.run/dev"
ENV_FILE="$ROOT_DIR/.env"
LOCAL_PG_PORT=15432
LOCAL_REDIS_PORT=16379
STARTED_PG=0
STARTED_REDIS=0

stopAll() {
  trap - EXIT
  step "Stopping"
  stopGateway "$RUN/gateway"
  stopServer "$RUN" public public_server:app
  stopServer "$RUN" admin admin_server:app
  stopServer "$RUN" simulator KSysPayment.simulator.app:app
  [ "$STARTED_REDIS" -eq 1 ] && stopRedis "$RUN/redis" "$LOCAL_REDIS_PORT"
  [ "$STARTED_PG" -eq 1 ] && stopPostgres "$RUN/postgres"
  info "stopped"
}

case "${1:-}" in
  "") ;;
  env) ensureEnvFile "$ENV_FILE"; info "$ENV_FILE is ready"; exit 0 ;;  # for docker compose, which reads it
  *) die "usage: scripts/run.sh [env]" ;;
esac

ensureEnvFile "$ENV_FILE"
checkEnvFile "$ENV_FILE"
GATEWAY_PORT=$(envValue "$ENV_FILE" GATEWAY_PORT)
GATEWAY_PORT=${GATEWAY_PORT:-80}
canBindPort "$GATEWAY_PORT" || die "GATEWAY_PORT=$GATEWAY_PORT in $ENV_FILE needs root: run as root, or set GATEWAY_PORT=8080 with PUBLIC_BASE_URL and CORS_ORIGINS http://localhost:8080"
tlsPort=$(envValue "$ENV_FILE" GATEWAY_TLS_PORT)
[ -z "$(envValue "$ENV_FILE" GATEWAY_TLS_CERT)" ] || canBindPort "${tlsPort:-443}" \
  || die "GATEWAY_TLS_PORT=${tlsPort:-443} in $ENV_FILE needs root: run as root, or pick a port from 1024"

step "Installing what is missing"
ensureSystemPackages
ensureUv
ensurePythonDeps
checkSettings "$ENV_FILE"
buildFrontends build:dev
mkdir -p "$RUN"
# Leftovers of a run that was killed without Ctrl-C (a pid file whose pid another process holds now, after a
# reboot, is dropped without a signal).
stopGateway "$RUN/gateway"
stopServer "$RUN" public public_server:app
stopServer "$RUN" admin admin_server:app
stopServer "$RUN" simulator KSysPayment.simulator.app:app
trap stopAll EXIT
trap "exit 130" INT TERM

DATABASE_URL=$(envValue "$ENV_FILE" DATABASE_URL)
REDIS_URL=$(envValue "$ENV_FILE" REDIS_URL)
[ -n "$DATABASE_URL" ] || die "DATABASE_URL is not set in $ENV_FILE"
[ -n "$REDIS_URL" ] || die "REDIS_URL is not set in $ENV_FILE"

pgAddress=$(hostPort "$DATABASE_URL")
if [ "$pgAddress" = "127.0.0.1:$LOCAL_PG_PORT" ] || [ "$pgAddress" = "localhost:$LOCAL_PG_PORT" ]; then
  step "Starting project-local PostgreSQL on $LOCAL_PG_PORT (.run/dev/postgres)"
  dbName=${DATABASE_URL##*/}
  startPostgres "$RUN/postgres" "$LOCAL_PG_PORT" "${dbName%%\?*}"
  STARTED_PG=1
else
  info "using the PostgreSQL at $pgAddress from DATABASE_URL"
fi

redisAddress=$(hostPort "$REDIS_URL")
if [ "$redisAddress" = "127.0.0.1:$LOCAL_REDIS_PORT" ] || [ "$redisAddress" = "localhost:$LOCAL_REDIS_PORT" ]; then
  step "Starting project-local Redis on $LOCAL_REDIS_PORT (.run/dev/redis)"
  startRedis "$RUN/redis" "$LOCAL_REDIS_PORT"
  STARTED_REDIS=1
else
  info "using the Redis at $redisAddress from REDIS_URL"
fi

runMigrations "$ENV_FILE"

BRI_BASE_URL=$(envValue "$ENV_FILE" BRI_BASE_URL)
BRI_BASE_URL=${BRI_BASE_URL:-http://127.0.0.1:8090}  # the settings' default
# The simulator is started whenever BRI_BASE_URL points at its local address (127.0.0.1 or localhost, port 8090).
if [[ $BRI_BASE_URL =~ ^https?:// ]] && case "$(hostPort "$BRI_BASE_URL")" in 127.0.0.1:8090|localhost:8090) true ;; *) false ;; esac; then
  step "Starting the BRI simulator on 8090 (keys in .run/bri)"
  startSimulator "$RUN" 8090 "$ENV_FILE" "$ROOT_DIR/.run/bri" "http://127.0.0.1:$GATEWAY_PORT/api/payment"
else
  info "using BRI at $BRI_BASE_URL"
fi

step "Starting servers"
startUvicorn public public_server:app 8001 "$RUN" "$ENV_FILE"
startUvicorn admin admin_server:app 8002 "$RUN" "$ENV_FILE"
waitHealthy public http://127.0.0.1:8001/health "$RUN"
waitHealthy admin http://127.0.0.1:8002/health "$RUN"

step "Starting the gateway on port $GATEWAY_PORT"
# The gateway's Lua speaks plain TCP Redis (AUTH included, no TLS) and resolves no host names (no resolver).
case "$REDIS_URL" in
  redis://*) gatewayRedisAuth "$REDIS_URL"; gatewayRedisDb "$REDIS_URL" ;;
  *) die "REDIS_URL must be redis://[[user]:password@]host:port/db for the gateway (rediss:// and unix:// are not supported)" ;;
esac
redisHost=$(resolveHost "${redisAddress%%:*}") || die "cannot resolve the Redis host in REDIS_URL: ${redisAddress%%:*}"
redisPort=6379
case "$redisAddress" in *:*) redisPort=${redisAddress##*:} ;; esac
export GATEWAY_PORT PUBLIC_UPSTREAM=127.0.0.1:8001 ADMIN_UPSTREAM=127.0.0.1:8002
export GATEWAY_REDIS_HOST=$redisHost GATEWAY_REDIS_PORT=$redisPort
export GATEWAY_TRUSTED_PROXIES=$(envValue "$ENV_FILE" GATEWAY_TRUSTED_PROXIES)
export GATEWAY_TLS_PORT=$(envValue "$ENV_FILE" GATEWAY_TLS_PORT) GATEWAY_TLS_CERT=$(envValue "$ENV_FILE" GATEWAY_TLS_CERT)
export GATEWAY_TLS_KEY=$(envValue "$ENV_FILE" GATEWAY_TLS_KEY)
startGateway "$RUN/gateway"
waitFor 15 "gateway" httpOk "http://127.0.0.1:$GATEWAY_PORT/health/public"

base="http://localhost:$GATEWAY_PORT"
[ "$GATEWAY_PORT" = 80 ] && base="http://localhost"
step "KServices is running"
info "auth        $base/auth/"
info "payment     $base/payment/"
info "admin       $base/admin/"
info "API docs    $base/api/auth/docs  $base/api/payment/docs  $base/api/admin/docs"
info "health      $base/health/public  $base/health/admin"
info "logs        .run/dev/{public,admin}.log .run/dev/gateway/{access,error}.log"
command -v uv >/dev/null && [[ ":$ORIGINAL_PATH:" != *":$HOME/.local/bin:"* ]] \
  && [ "$(command -v uv)" = "$HOME/.local/bin/uv" ] \
  && info "uv is in ~/.local/bin, which your shell's PATH lacks: export PATH=\"\$HOME/.local/bin:\$PATH\""
info "Press Ctrl-C to stop everything."

# Stops the stack as soon as one server exits, or on Ctrl-C.
while kill -0 "$(cat "$RUN/public.pid")" 2>/dev/null && kill -0 "$(cat "$RUN/admin.pid")" 2>/dev/null; do
  sleep 1
done
printf 'a server exited; see .run/dev/public.log and .run/dev/admin.log\n' >&2
exit 1
