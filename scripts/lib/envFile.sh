# Reads and creates the developer's .env (sourced).
# shellcheck shell=bash

# envValue FILE KEY: prints the value of KEY from a KEY=VALUE file (last one wins), without evaluating it;
# nothing, and success, when the key is absent (callers under `set -eo pipefail` then apply their default).
envValue() {
  local file=$1 key=$2
  [ -f "$file" ] || return 0
  { grep -E "^${key}=" "$file" || true; } | tail -n 1 | cut -d= -f2- | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"
}

# Creates .env from .env.example with freshly generated secrets; never overwrites an existing .env. Only
# root may bind port 80, so for anyone else the gateway and the URLs that name it move to port 8080.
ensureEnvFile() {
  local target=$1
  [ -f "$target" ] && return 0
  step "Creating $target from .env.example with generated secrets"
  local jwt crypto bri origin=http://localhost port=80
  jwt=$(randomSecret 48)
  crypto=$(randomSecret 32)
  bri=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  if ! canBindPort 80; then
    origin=http://localhost:8080 port=8080
    info "not root: the gateway listens on $origin (GATEWAY_PORT, PUBLIC_BASE_URL and CORS_ORIGINS in $target)"
  fi
  # Created 0600 (umask 077), never readable by others while the secrets are being written. The values reach awk
  # through its environment, not its arguments (any user can read a process's arguments in /proc).
  (umask 077 && NEW_JWT_SECRET=$jwt NEW_CRYPTO_MASTER_KEY=$crypto NEW_BRI_CLIENT_SECRET=$bri \
    NEW_GATEWAY_PORT=$port NEW_PUBLIC_BASE_URL=$origin NEW_CORS_ORIGINS=$origin awk '
      BEGIN { n = split("JWT_SECRET CRYPTO_MASTER_KEY BRI_CLIENT_SECRET GATEWAY_PORT PUBLIC_BASE_URL CORS_ORIGINS",
                        keys, " ") }
      {
        for (i = 1; i <= n; i++)
          if (index($0, keys[i] "=") == 1) { $0 = keys[i] "=" ENVIRON["NEW_" keys[i]]; break }
        print
      }' "$ROOT_DIR/.env.example" >"$target")
}

# canBindPort PORT: whether this user may listen on PORT (root, or a port at or above the kernel's
# unprivileged start, 1024 unless lowered).
canBindPort() {
  local start=1024
  [ "$(id -u)" -eq 0 ] && return 0
  [ -r /proc/sys/net/ipv4/ip_unprivileged_port_start ] && start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
  [ "$1" -ge "$start" ]
}

# hostPort URL: prints host:port of a URL such as postgresql+asyncpg://user@host:port/db: what follows the last
# @ first, so that no part of a password shows, even one holding an unencoded ?, / or # (an @ in the path or
# query must be written %40).
hostPort() {
  local rest=${1#*://}
  rest=${rest##*@}
  rest=${rest%%[/?#]*}
  echo "$rest"
}
