# Renders nginx/nginx.conf for Debian's nginx with the Lua module and runs it (sourced).
# shellcheck shell=bash
# shellcheck source=docker/gatewayValues.sh
source "$ROOT_DIR/docker/gatewayValues.sh"

GATEWAY_TEMPLATE_VARS='${NGINX_LOAD_MODULES} ${NGINX_WORKERS} ${NGINX_RUN_DIR} ${NGINX_MIME_TYPES} ${NGINX_LUA_DIR} ${NGINX_CONF_DIR} ${NGINX_WWW_DIR} ${GATEWAY_PORT} ${PUBLIC_UPSTREAM} ${ADMIN_UPSTREAM} ${GATEWAY_REDIS_HOST} ${GATEWAY_REDIS_PORT} ${GATEWAY_REDIS_DB} ${GATEWAY_TRUSTED_PROXIES}'

# Links each built frontend (or a placeholder page) under the gateway's web root.
linkFrontends() {
  local www=$1 app dir
  mkdir -p "$www"
  for app in auth:KAuthApp payment:KSysPayment admin:KSysAdmin; do
    dir="$ROOT_DIR/${app#*:}/frontend/dist"
    [ -f "$dir/index.html" ] || dir="$ROOT_DIR/nginx/placeholder"
    ln -sfn "$dir" "$www/${app%%:*}"
  done
}

# renderTls RUN_DIR: an HTTPS listener when GATEWAY_TLS_CERT and GATEWAY_TLS_KEY are set, else none.
renderTls() {
  local run=$1
  rm -rf "$run/tls"
  [ -n "${GATEWAY_TLS_CERT:-}" ] || return 0
  [ -f "$GATEWAY_TLS_CERT" ] && [ -f "${GATEWAY_TLS_KEY:-}" ] || die "GATEWAY_TLS_CERT/GATEWAY_TLS_KEY: files not found"
  mkdir -p "$run/tls"
  GATEWAY_TLS_PORT=${GATEWAY_TLS_PORT:-443} envsubst '${GATEWAY_TLS_PORT} ${GATEWAY_TLS_CERT} ${GATEWAY_TLS_KEY}' \
    < "$ROOT_DIR/nginx/conf/tls.conf.template" > "$run/tls/tls.conf"
}

# resolveHost NAME: prints NAME's IPv4 address (NAME itself when it is one); fails when it does not resolve.
resolveHost() {
  case "$1" in
    localhost) echo 127.0.0.1 ;;
    *[!0-9.]*) getent ahostsv4 "$1" | awk 'NR == 1 { print $1; found = 1 } END { exit !found }' ;;
    *) echo "$1" ;;
  esac
}

# percentDecode NAME VALUE: sets NAME to VALUE as urllib's unquote (so redis-py) reads it: each %XX decoded,
# anything else (a lone %, "+", backslashes) kept as it is.
percentDecode() {
  local value=$2 decoded="" byte
  while [ -n "$value" ]; do
    if [[ $value =~ ^%([0-9A-Fa-f]{2}) ]]; then
      printf -v byte "\\x${BASH_REMATCH[1]}"
      decoded+=$byte
      value=${value:3}
    else
      decoded+=${value:0:1}
      value=${value:1}
    fi
  done
  printf -v "$1" '%s' "$decoded"
}

# gatewayRedisAuth REDIS_URL: exports GATEWAY_REDIS_USERNAME and GATEWAY_REDIS_PASSWORD from
# redis://[username]:password@host:port/db (both empty without credentials). nginx reads them from its
# environment (env directive), so the password is never written into the rendered configuration.
gatewayRedisAuth() {
  local rest=${1#*://} userinfo="" username password=""
  rest=${rest%%/*}
  case "$rest" in *@*) userinfo=${rest%@*} ;; esac
  username=${userinfo%%:*}
  case "$userinfo" in *:*) password=${userinfo#*:} ;; esac
  [ -z "$username" ] || [ -n "$password" ] || die "REDIS_URL names a Redis user without a password"
  percentDecode GATEWAY_REDIS_USERNAME "$username"
  percentDecode GATEWAY_REDIS_PASSWORD "$password"
  export GATEWAY_REDIS_USERNAME GATEWAY_REDIS_PASSWORD
}

# gatewayRedisDb REDIS_URL: exports GATEWAY_REDIS_DB, the database the backends use: the URL's path (0 when
# empty). A db=... query option, which redis-py would read instead, is refused rather than silently differing.
gatewayRedisDb() {
  local rest=${1#*://} path=""
  case "$rest" in *\?*db=*) die "REDIS_URL: give the database in the path (redis://host:port/N), not as db=" ;; esac
  rest=${rest%%\?*}
  case "$rest" in */*) path=${rest#*/} ;; esac
  [[ $path =~ ^[0-9]*$ ]] || die "REDIS_URL: the database must be a number (redis://host:port/N), not '$path'"
  export GATEWAY_REDIS_DB=${path:-0}
}

# renderGateway RUN_DIR: needs GATEWAY_PORT, PUBLIC_UPSTREAM, ADMIN_UPSTREAM, GATEWAY_REDIS_* exported; refuses
# before rendering, any value outside its grammar (docker/gatewayValues.sh).
renderGateway() {
  local run=$1 modules=""
  mkdir -p "$run/tmp" "$run/www"
  local mod
  for mod in ndk_http_module ngx_http_lua_module; do
    [ -f "/usr/lib/nginx/modules/$mod.so" ] || die "nginx module $mod missing (libnginx-mod-http-lua)"
    modules+="load_module /usr/lib/nginx/modules/$mod.so; "
  done
  export NGINX_LOAD_MODULES=$modules NGINX_RUN_DIR=$run NGINX_MIME_TYPES=/etc/nginx/mime.types
  export NGINX_LUA_DIR="$ROOT_DIR/nginx/lua" NGINX_CONF_DIR="$ROOT_DIR/nginx/conf" NGINX_WWW_DIR="$run/www"
  export NGINX_WORKERS=${NGINX_WORKERS:-1}
  # The built-in default rate limits are multiplied by GATEWAY_RATE_LIMIT_SCALE (nginx reads it from
  # its environment); scripts/test.sh sets 1000, published admin rules are never scaled.
  export GATEWAY_RATE_LIMIT_SCALE=${GATEWAY_RATE_LIMIT_SCALE:-1}
  local problem
  problem=$(gatewayValueProblem) || die "$problem"
  linkFrontends "$run/www"
  envsubst "$GATEWAY_TEMPLATE_VARS" < "$ROOT_DIR/nginx/nginx.conf" > "$run/nginx.conf"
  renderTls "$run"
  nginx -t -q -p "$run" -c "$run/nginx.conf" 2>"$run/nginx-test.log" \
    || { cat "$run/nginx-test.log" >&2; die "nginx configuration test failed"; }
}

# ensureWorkerAccess RUN_DIR: a master started as root runs its workers as nobody (no user directive), and they
# read the repository's nginx/ and the frontends linked under RUN_DIR/www: each directory on the way is made
# traversable, and anything in them the worker could still not read stops the start, named.
ensureWorkerAccess() {
  local run=$1 why="nginx's worker, user nobody, reads the frontends and nginx/" dir denied
  [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null || return 0
  local -a dirs=("$ROOT_DIR/nginx")
  for dir in "$run"/www/*; do
    if [ -e "$dir" ]; then dirs+=("$(readlink -f "$dir")"); fi
  done
  case "$run" in "$ROOT_DIR"/*) dirs+=("$run/www") ;; esac
  for dir in "${dirs[@]}"; do traversableForOthers "$dir" "$why"; done
  denied=$(runuser -u nobody -- find -L "${dirs[@]}" \( -type d ! -executable -o ! -readable \) -print 2>/dev/null \
    | head -n 1) || true
  [ -z "$denied" ] || die "nginx's worker (user nobody) cannot read $denied: make it readable by others" \
    "(chmod -R o+rX on the directory), or start the gateway as the user that owns the checkout"
}

startGateway() {
  local run=$1
  renderGateway "$run"
  ensureWorkerAccess "$run"
  stopGateway "$run"
  portFree "$GATEWAY_PORT" || die "port $GATEWAY_PORT is taken: the gateway cannot start there (a system nginx?" \
    "stop it with 'systemctl disable --now nginx', or set GATEWAY_PORT in .env)"
  nginx -p "$run" -c "$run/nginx.conf" || die "nginx failed to start: see $run/error.log"
}

# stopGateway RUN_DIR: stops the nginx master that startGateway started there (SIGQUIT, as nginx -s quit), only
# when the pid in nginx.pid still is that master.
stopGateway() {
  local run=$1 pid title=""
  [ -f "$run/nginx.pid" ] || return 0
  pid=$(cat "$run/nginx.pid")
  [[ $pid =~ ^[1-9][0-9]*$ ]] && title=$(tr -d '\0' 2>/dev/null <"/proc/$pid/cmdline") || true
  if [ -z "$title" ]; then
    rm -f "$run/nginx.pid"
    return 0
  fi
  if [[ $title != "nginx: master process "*" -p $run -c $run/nginx.conf" ]]; then
    staleProcess "$run/nginx.pid" "$pid" "nginx -p $run -c $run/nginx.conf"
    return 0
  fi
  kill -QUIT "$pid" 2>/dev/null || true
  local i
  for i in $(seq 1 50); do [ -f "$run/nginx.pid" ] || break; sleep 0.1; done
}
