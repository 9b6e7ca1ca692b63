# Reads and creates the developer's .env (sourced).
# shellcheck shell=bash

# envValue FILE KEY: prints the value of KEY from a KEY=VALUE file (last one wins), without evaluating it.
envValue() {
  local file=$1 key=$2
  [ -f "$file" ] || return 0
  grep -E "^${key}=" "$file" | tail -n 1 | cut -d= -f2- | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"
}

# Creates .env from .env.example with freshly generated secrets; never overwrites an existing .env.
ensureEnvFile() {
  local target=$1
  [ -f "$target" ] && return 0
  step "Creating $target from .env.example with generated secrets"
  local jwt crypto bri
  jwt=$(randomSecret 48)
  crypto=$(randomSecret 32)
  bri=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  sed -e "s|^JWT_SECRET=.*|JWT_SECRET=$jwt|" \
      -e "s|^CRYPTO_MASTER_KEY=.*|CRYPTO_MASTER_KEY=$crypto|" \
      -e "s|^BRI_CLIENT_SECRET=.*|BRI_CLIENT_SECRET=$bri|" \
      "$ROOT_DIR/.env.example" >"$target"
  chmod 600 "$target"
}

# hostPort URL: prints host:port of a URL such as postgresql+asyncpg://user@host:port/db.
hostPort() {
  local rest=${1#*://}
  rest=${rest%%\?*}
  rest=${rest%%/*}
  rest=${rest##*@}  # after the last @, as URL parsers read it: a password never shows
  echo "$rest"
}
