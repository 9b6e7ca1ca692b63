#!/bin/sh
# Renders nginx/nginx.conf for OpenResty (Lua built in, so no load_module lines) and runs it.
set -eu
home=${KSERVICES_HOME:-/kservices}
run=$home/run
mkdir -p "$run/tmp"
# nginx.conf logs to $run/access.log and error.log (scripts/run.sh keeps them as files): here they lead to the
# container's stdout and stderr, for `docker compose logs gateway` and Docker's log rotation. The image's USER
# owns both (runc hands PID 1's stdio to it), so the unprivileged master can open them.
ln -sf /dev/stdout "$run/access.log"
ln -sf /dev/stderr "$run/error.log"
export NGINX_LOAD_MODULES="" NGINX_WORKERS="${NGINX_WORKERS:-auto}" NGINX_RUN_DIR="$run"
export NGINX_MIME_TYPES=/usr/local/openresty/nginx/conf/mime.types NGINX_LUA_DIR=$home/nginx/lua
export NGINX_CONF_DIR=$home/nginx/conf NGINX_WWW_DIR=$home/www
# Lua's cosockets resolve no names without a resolver directive: the Redis host goes in as an address,
# looked up once here (restart the gateway when Redis gets a new address).
case "${GATEWAY_REDIS_HOST:-}" in
  *[!0-9.]*)
    address=$(getent ahostsv4 "$GATEWAY_REDIS_HOST" | awk 'NR == 1 { print $1 }')
    [ -n "$address" ] || { echo "gateway: cannot resolve GATEWAY_REDIS_HOST=$GATEWAY_REDIS_HOST" >&2; exit 1; }
    export GATEWAY_REDIS_HOST="$address" ;;
  "") echo "gateway: GATEWAY_REDIS_HOST is not set" >&2; exit 1 ;;
esac
# Every substituted value must fit its grammar: a quote or newline in one would inject configuration.
. "$(dirname "$0")/gatewayValues.sh"
problem=$(gatewayValueProblem) || { echo "gateway: $problem" >&2; exit 1; }
conf=$(cat "$home/nginx/nginx.conf")
# Every ${NAME} in the template is replaced by that environment variable (empty when unset).
for name in $(grep -o '${[A-Z_]*}' "$home/nginx/nginx.conf" | tr -d '${}' | sort -u); do
  value=$(printenv "$name" || true)
  conf=$(printf '%s' "$conf" | awk -v key="\${$name}" -v value="$value" '{ gsub(/[\\&]/, "\\\\&", value); n = index($0, key); while (n > 0) { $0 = substr($0, 1, n - 1) value substr($0, n + length(key)); n = index($0, key) } print }')
done
printf '%s\n' "$conf" > "$run/nginx.conf"
# The HTTPS listener only when a certificate and key are mounted and configured.
if [ -n "${GATEWAY_TLS_CERT:-}" ]; then
  mkdir -p "$run/tls"
  sed -e "s|\${GATEWAY_TLS_PORT}|${GATEWAY_TLS_PORT:-443}|" -e "s|\${GATEWAY_TLS_CERT}|$GATEWAY_TLS_CERT|" \
      -e "s|\${GATEWAY_TLS_KEY}|$GATEWAY_TLS_KEY|" "$home/nginx/conf/tls.conf.template" > "$run/tls/tls.conf"
fi
# -e stderr: nginx opens its built-in error log before reading the config, which an unprivileged user cannot.
exec "${OPENRESTY:-openresty}" -e stderr -p "$run" -c "$run/nginx.conf" -g "daemon off;"
