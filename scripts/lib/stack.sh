# Starts and stops the application processes of a stack (sourced by run.sh and test.sh).
# shellcheck shell=bash

# startUvicorn NAME APP PORT RUN_DIR ENV_FILE: one server process in the background, logs in RUN_DIR. In a session
# of its own (setsid, which execs in place: $! stays the server's pid): a terminal's Ctrl-C reaches the script
# only, whose trap then stops the servers in order, instead of also reaching them directly, when a server gone
# before the trap ran read as a crash.
startUvicorn() {
  local name=$1 app=$2 port=$3 run=$4 envFile=$5
  portFree "$port" || die "port $port is taken: $name cannot start there"
  (cd "$ROOT_DIR" && KSERVICES_ENV_FILE=$envFile exec setsid "$ROOT_DIR/.venv/bin/python" -m uvicorn "$app" \
      --host 127.0.0.1 --port "$port" --proxy-headers --forwarded-allow-ips 127.0.0.1 \
      --no-server-header --log-level warning --timeout-graceful-shutdown 5 --timeout-keep-alive 75 \
      >"$run/$name.log" 2>&1) &
  echo $! >"$run/$name.pid"
}

# How long a server gets after TERM before KILL: uvicorn's --timeout-graceful-shutdown (5 s for requests in flight),
# then the lifespan's shutdown, where the running background passes share STOP_GRACE_SECONDS (10 s,
# shared/backend/background/shutdown.py), then the pools close. docker-compose.yml's stop_grace_period matches.
SERVER_STOP_SECONDS=20

# stopPid FILE ARG...: stops the process FILE names when it still is the one started there (a child of this
# shell, or a process with each ARG among its arguments), TERM then KILL after SERVER_STOP_SECONDS; a pid another
# program holds now is never signalled (as root, it could be anything).
stopPid() {
  local file=$1 pid
  shift
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if [[ $pid =~ ^[1-9][0-9]*$ ]] && kill -0 "$pid" 2>/dev/null; then
    if ! childOfThisShell "$pid" && ! processHas "$pid" "$@"; then
      staleProcess "$file" "$pid" "$*"
      return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 $((SERVER_STOP_SECONDS * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# stopServer RUN_DIR NAME APP: stops what startUvicorn or startSimulator started as NAME (uvicorn serving APP
# with this checkout's Python).
stopServer() {
  stopPid "$1/$2.pid" "$ROOT_DIR/.venv/bin/python" uvicorn "$3"
}

# Waits for a server's /health; shows its log and fails if the process died.
waitHealthy() {
  local name=$1 url=$2 run=$3 deadline=$((SECONDS + 60))
  until httpOk "$url"; do
    if ! kill -0 "$(cat "$run/$name.pid")" 2>/dev/null; then
      tail -n 30 "$run/$name.log" >&2
      die "$name exited during startup (log: $run/$name.log)"
    fi
    [ $SECONDS -ge $deadline ] && { tail -n 30 "$run/$name.log" >&2; die "$name not healthy within 60s"; }
    sleep 0.3
  done
}

# checkSettings ENV_FILE: the servers' own settings check (the same lines, each naming its variable), run before
# anything is built or started: a bad value is reported at once, not after the databases, migrations and simulator.
checkSettings() {
  local envFile=$1
  step "Checking the settings in $envFile"
  (cd "$ROOT_DIR" && KSERVICES_ENV_FILE=$envFile "$ROOT_DIR/.venv/bin/python" -c \
    'from shared.backend.appFactory import loadSettingsOrExit; loadSettingsOrExit()') || exit 1
}

runMigrations() {
  local envFile=$1
  step "Applying database migrations (alembic upgrade head)"
  (cd "$ROOT_DIR/KSysAdmin/backend/infrastructure/database" \
    && KSERVICES_ENV_FILE=$envFile uv run --frozen --no-sync alembic upgrade head >/dev/null) \
    || die "alembic upgrade head failed"
}

# startSimulator RUN_DIR PORT ENV_FILE KEYS_DIR MERCHANT_BASE_URL: the BRI simulator, sharing the
# app's BRI credentials and verifying our signatures with our public key.
startSimulator() {
  local run=$1 port=$2 envFile=$3 keys=$4 merchant=$5
  (cd "$ROOT_DIR" && "$ROOT_DIR/.venv/bin/python" -m KSysPayment.backend.infrastructure.bri.generateKeys \
    --out "$keys" >/dev/null) || die "could not generate the development BRI keys in $keys"
  portFree "$port" || die "port $port is taken: the BRI simulator cannot start there"
  (cd "$ROOT_DIR" && \
    SIM_CLIENT_ID=$(envValue "$envFile" BRI_CLIENT_ID) \
    SIM_CLIENT_SECRET=$(envValue "$envFile" BRI_CLIENT_SECRET) \
    SIM_INBOUND_CLIENT_ID=$(envValue "$envFile" BRI_INBOUND_CLIENT_ID) \
    SIM_SIGNATURE_ENCODING=$(encoding=$(envValue "$envFile" BRI_SIGNATURE_ENCODING); echo "${encoding:-hex}") \
    SIM_MERCHANT_PUBLIC_KEY_PATH="$keys/merchant_public.pem" SIM_PRIVATE_KEY_PATH="$keys/bri_private.pem" \
    SIM_MERCHANT_BASE_URL=$merchant SIM_PORT=$port \
    exec setsid "$ROOT_DIR/.venv/bin/python" -m uvicorn KSysPayment.simulator.app:app --host 127.0.0.1 --port "$port" \
      --timeout-keep-alive 75 --log-level warning >"$run/simulator.log" 2>&1) &
  echo $! >"$run/simulator.pid"
  local deadline=$((SECONDS + 30))
  until portInUse "$port"; do
    kill -0 "$(cat "$run/simulator.pid")" 2>/dev/null \
      || { tail -n 5 "$run/simulator.log" >&2; die "the BRI simulator exited (log: $run/simulator.log)"; }
    [ $SECONDS -ge $deadline ] && die "the BRI simulator did not listen on $port within 30s"
    sleep 0.2
  done
}
