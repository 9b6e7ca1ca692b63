#!/usr/bin/env bash
# Sets up everything (packages, PostgreSQL, Redis, servers, gateway) on test ports, then runs
# ruff and every test suite. `scripts/test.sh up` builds the frontends (the gateway serves them) and starts
# the test stack, leaving it running;
# `scripts/test.sh down` stops it. Extra arguments after `--` go to every pytest run
# except the final log audit.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$ROOT_DIR/scripts/lib/services.sh"
source "$ROOT_DIR/scripts/lib/stack.sh"
source "$ROOT_DIR/scripts/lib/gateway.sh"
source "$ROOT_DIR/scripts/lib/envFile.sh"
source "$ROOT_DIR/scripts/lib/frontend.sh"
closeInheritedFds

MODE=${1:-all}
[ "$MODE" = "--" ] && MODE=all
shift $(( $# > 0 ? 1 : 0 )) || true
[ "${1:-}" = "--" ] && shift
RUN="$ROOT_DIR/.run/test"
export TEST_PG_PORT=${TEST_PG_PORT:-25432} TEST_REDIS_PORT=${TEST_REDIS_PORT:-26379}
export TEST_PUBLIC_PORT=${TEST_PUBLIC_PORT:-28001} TEST_ADMIN_PORT=${TEST_ADMIN_PORT:-28002}
export TEST_GATEWAY_PORT=${TEST_GATEWAY_PORT:-28080} TEST_BRI_PORT=${TEST_BRI_PORT:-28090}
ENV_FILE="$RUN/env"

stopStack() {
  stopGateway "$RUN/gateway"
  stopServer "$RUN" public public_server:app
  stopServer "$RUN" admin admin_server:app
  stopServer "$RUN" simulator KSysPayment.simulator.app:app
  stopRedis "$RUN/redis" "$TEST_REDIS_PORT"
  stopPostgres "$RUN/postgres"
}

writeTestEnv() {
  # Holds the test stack's secrets: 0600 from its creation, as .env. The stack's public server reconciles
  # hourly only: the suites age payments in the shared database and run their own passes, and a pass of the
  # stack's (whose simulator knows none of those payments) could expire one mid-test. The suites' admins sign in
  # with a password alone; KSysAdmin/tests/test_adminMfaRequired.py runs the console with TOTP required.
  rm -f "$ENV_FILE"
  (umask 077 && cat >"$ENV_FILE") <<ENV
APP_ENV=test
LOG_FORMAT=json
LOG_LEVEL=INFO
DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:$TEST_PG_PORT/kservices_test
REDIS_URL=redis://127.0.0.1:$TEST_REDIS_PORT/0
JWT_SECRET=$(randomSecret 48)
CRYPTO_MASTER_KEY=$(randomSecret 32)
CORS_ORIGINS=http://localhost:$TEST_GATEWAY_PORT
GATEWAY_PORT=$TEST_GATEWAY_PORT
PUBLIC_BASE_URL=http://localhost:$TEST_GATEWAY_PORT
MAIL_BACKEND=file
MAIL_OUTBOX_DIR=$RUN/mail
BRI_BASE_URL=http://127.0.0.1:$TEST_BRI_PORT
BRI_CLIENT_ID=kservices-test-client
BRI_CLIENT_SECRET=$(randomSecret 32)
BRI_PARTNER_ID=kservices-test
BRI_INBOUND_CLIENT_ID=bri-test-inbound
BRI_PRIVATE_KEY_PATH=$RUN/bri/merchant_private.pem
BRI_PUBLIC_KEY_PATH=$RUN/bri/bri_public.pem
BRI_QRIS_MERCHANT_ID=000001019000014
BRI_QRIS_TERMINAL_ID=10049258
PAYMENT_RECONCILE_INTERVAL_SECONDS=3600
AUTH_REVOKED_KEY_SWEEP_SECONDS=3600
AUTH_ADMIN_REQUIRE_MFA=false
TEST_BRI_PORT=$TEST_BRI_PORT
TEST_PG_PORT=$TEST_PG_PORT
TEST_REDIS_PORT=$TEST_REDIS_PORT
TEST_PUBLIC_PORT=$TEST_PUBLIC_PORT
TEST_ADMIN_PORT=$TEST_ADMIN_PORT
TEST_GATEWAY_PORT=$TEST_GATEWAY_PORT
TEST_RUN_DIR=$RUN
ENV
}

startStack() {
  step "Installing what is missing"
  ensureSystemPackages
  ensureUv
  ensurePythonDeps
  mkdir -p "$RUN"
  stopStack
  step "Starting PostgreSQL on $TEST_PG_PORT and Redis on $TEST_REDIS_PORT"
  startPostgres "$RUN/postgres" "$TEST_PG_PORT" postgres "-c fsync=off"
  local bin
  bin=$(postgresBinDir)
  "$bin/dropdb" -h 127.0.0.1 -p "$TEST_PG_PORT" -U postgres --if-exists --force kservices_test
  "$bin/createdb" -h 127.0.0.1 -p "$TEST_PG_PORT" -U postgres kservices_test
  startRedis "$RUN/redis" "$TEST_REDIS_PORT"
  redis-cli -p "$TEST_REDIS_PORT" flushall >/dev/null
  writeTestEnv
  [ -f "$ROOT_DIR/KSysAdmin/backend/infrastructure/database/alembic.ini" ] && runMigrations "$ENV_FILE"
  step "Starting the BRI simulator, servers and gateway"
  startSimulator "$RUN" "$TEST_BRI_PORT" "$ENV_FILE" "$RUN/bri" "http://127.0.0.1:$TEST_GATEWAY_PORT/api/payment"
  startUvicorn public public_server:app "$TEST_PUBLIC_PORT" "$RUN" "$ENV_FILE"
  startUvicorn admin admin_server:app "$TEST_ADMIN_PORT" "$RUN" "$ENV_FILE"
  waitHealthy public "http://127.0.0.1:$TEST_PUBLIC_PORT/health" "$RUN"
  waitHealthy admin "http://127.0.0.1:$TEST_ADMIN_PORT/health" "$RUN"
  export GATEWAY_PORT=$TEST_GATEWAY_PORT PUBLIC_UPSTREAM=127.0.0.1:$TEST_PUBLIC_PORT
  export ADMIN_UPSTREAM=127.0.0.1:$TEST_ADMIN_PORT GATEWAY_REDIS_HOST=127.0.0.1
  export GATEWAY_REDIS_PORT=$TEST_REDIS_PORT GATEWAY_REDIS_DB=0 GATEWAY_TRUSTED_PROXIES=""
  # The suites sign in many times from 127.0.0.1: the built-in default limits are multiplied by
  # 1000 here; rules an admin publishes (and the rate-limit tests' own rules) apply unscaled.
  export GATEWAY_RATE_LIMIT_SCALE=1000
  startGateway "$RUN/gateway"
  waitFor 15 "gateway" httpOk "http://127.0.0.1:$TEST_GATEWAY_PORT/health/public"
}

# The issue-8 flows in Debian's headless Chromium, through the gateway, as a fresh superadmin.
runBrowserTests() {
  ensureAptPackages chromium
  local email=e2e-admin@example.com password
  password=$(randomSecret 24)
  printf '%s' "$password" | KSERVICES_ENV_FILE=$ENV_FILE uv run --frozen --no-sync python -m \
    KSysAdmin.backend.infrastructure.cli create-superadmin --email "$email" --password-stdin >/dev/null \
    || return 1
  GATEWAY_URL="http://127.0.0.1:$TEST_GATEWAY_PORT" MAIL_OUTBOX_DIR="$RUN/mail" \
    E2E_ADMIN_EMAIL=$email E2E_ADMIN_PASSWORD=$password npm run --silent test:browser
}

case "$MODE" in
  down) stopStack; exit 0 ;;
  # The build may install Node.js with uv: uv (and the system packages) first, as in a full run.
  up) ensureSystemPackages; ensureUv; buildFrontends build:dev; startStack; step "Test stack up: gateway http://127.0.0.1:$TEST_GATEWAY_PORT (env: $ENV_FILE)"; exit 0 ;;
  all) ;;
  *) die "usage: scripts/test.sh [all|up|down] [-- pytest args]" ;;
esac

trap stopStack EXIT
# System packages first: a bare Debian machine has no pip for ensureUv.
ensureSystemPackages
ensureUv
buildFrontends build:dev
startStack
export KSERVICES_ENV_FILE=$ENV_FILE
cd "$ROOT_DIR"
failed=()
ran=0
step "ruff check"
uv run --frozen --no-sync ruff check . || failed+=("ruff")
if [ -f package.json ]; then
  # vite builds without checking types: a type error would otherwise reach no check at all.
  step "TypeScript typecheck (every frontend workspace)"
  npm run --silent typecheck || failed+=("typecheck")
fi
for suite in tests KSysAdmin/tests KAuthApp/tests KSysPayment/tests; do
  # A suite that lost its tests (renamed, moved, a bad merge) fails the run instead of being skipped.
  if [ -z "$(find "$suite" -name 'test_*.py' 2>/dev/null | head -n 1)" ]; then
    failed+=("$suite (no test_*.py found)")
    continue
  fi
  step "pytest $suite"
  ran=$((ran + 1))
  uv run --frozen --no-sync pytest "$suite" -q -p no:cacheprovider --ignore=tests/logAudit "$@" \
    || failed+=("$suite")
done
if [ -f package.json ]; then
  step "npm test (frontend component tests)"
  ran=$((ran + 1))
  npm test --silent || failed+=("frontend")
  step "Browser end-to-end tests (screenshots in test-artifacts/)"
  ran=$((ran + 1))
  runBrowserTests || failed+=("browser")
fi
[ "$ran" -gt 0 ] || die "no test suite ran"
step "pytest tests/logAudit (no secrets in any log the suites produced)"
uv run --frozen --no-sync pytest tests/logAudit -q -p no:cacheprovider || failed+=("tests/logAudit")
if [ ${#failed[@]} -gt 0 ]; then
  die "failing suites: ${failed[*]}"
fi
step "All suites passed"
