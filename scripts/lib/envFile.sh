# Reads and creates the developer's .env (sourced).
# shellcheck shell=bash

ENV_BLANKS=$' \t\f\v'
# Variables the scripts themselves read from an env file.
ENV_SCRIPT_KEYS=(GATEWAY_PORT GATEWAY_TLS_PORT GATEWAY_TLS_CERT GATEWAY_TLS_KEY GATEWAY_TRUSTED_PROXIES DATABASE_URL
  REDIS_URL BRI_BASE_URL BRI_CLIENT_ID BRI_CLIENT_SECRET BRI_INBOUND_CLIENT_ID BRI_SIGNATURE_ENCODING)

# envValue FILE KEY: prints KEY's value as the apps' settings (pydantic-settings, through python-dotenv) read
# FILE: `export KEY=value`, blanks around =, a key in any case, 'single' or "double" quoted values with their
# escapes (over several lines too), an unquoted value without its trailing blanks and ` # comment`; a line they
# cannot parse is skipped and the last binding wins. A value using ${...}, which the apps expand and the scripts
# do not, is refused (naming its line; never the value). Nothing, and success, when the key is absent (callers
# under `set -eo pipefail` then apply their default).
envValue() {
  local file=$1 wanted=${2,,} rest line=1 start key value hasValue found=0 foundLine=0 result="" LC_ALL=C
  [ -f "$file" ] || return 0
  rest=$(cat "$file"; printf x)
  rest=${rest%x}
  rest=${rest#$'\xef\xbb\xbf'}
  while envTake '^[[:space:]]*' && [ -n "$rest" ]; do
    start=$line
    if [ "${rest:0:1}" = "#" ]; then  # a comment line, the bulk of .env.example, skipped without regexes
      [[ $rest == *$'\n'* ]] && rest=${rest#*$'\n'} line=$((line + 1)) || rest=""
      continue
    fi
    if ! envBinding; then
      envTake $'^[^\r\n]*(\r\n|\r|\n)?'
      continue
    fi
    # A bare `KEY` (no =) unsets it, as it does for the apps.
    if [ -n "$key" ] && [ "${key,,}" = "$wanted" ]; then
      found=$hasValue foundLine=$start result=$value
    fi
  done
  [ "$found" -eq 1 ] || return 0
  if [[ $result =~ \$\{[^}:]*(:-[^}]*)?\} ]]; then
    printf 'error: %s line %s: %s uses ${...}, which the apps expand and scripts/*.sh cannot: write the value itself\n' \
      "$file" "$foundLine" "$2" >&2
    return 1
  fi
  printf '%s\n' "$result"
}

# envTake REGEX: when envValue's unread text starts with REGEX, drops that match (counting its lines) and succeeds.
envTake() {
  [[ $rest =~ $1 ]] || return 1
  local taken=${BASH_REMATCH[0]} newlines
  newlines=${taken//[!$'\n']/}
  line=$((line + ${#newlines}))
  rest=${rest:${#taken}}
}

# envBinding: reads one binding of envValue's text into key (empty for a comment), value and hasValue, as
# python-dotenv's parser does; fails where python-dotenv reports an error (it then skips the rest of the line).
envBinding() {
  key="" value="" hasValue=0
  envTake "^export[$ENV_BLANKS]+" || true
  if [ "${rest:0:1}" = "#" ]; then
    :
  elif envTake "^'([^']+)'" || envTake '^([^=#[:space:]]+)'; then
    key=${BASH_REMATCH[1]}
  else
    return 1
  fi
  envTake "^[$ENV_BLANKS]*"
  if [ "${rest:0:1}" = "=" ]; then
    envTake "^=[$ENV_BLANKS]*"
    hasValue=1
    # `KEY= # comment` is empty; `KEY=#value` is not.
    if [ ${#BASH_REMATCH[0]} -eq 1 ] || [ "${rest:0:1}" != "#" ]; then
      envParseValue || return 1
    fi
  fi
  envTake "^([$ENV_BLANKS]*#[^"$'\r\n'"]*)?"
  envTake "^[$ENV_BLANKS]*("$'\r\n|\n|\r'"|\$)"
}

# envParseValue: reads the value at the start of envValue's text into value: quoted (fails when its quote is never
# closed), empty at the end of a line, else the rest of the line without a trailing ` # comment` and blanks.
envParseValue() {
  local quote=${rest:0:1} text
  case "$quote" in
    "'" | '"')
      envTake "^$quote((\\\\.|[^$quote\\\\])*)$quote" || return 1
      text=${BASH_REMATCH[1]}
      envUnescape "$quote" "$text" ;;
    "" | $'\n' | $'\r') value="" ;;
    *)
      envTake $'^[^\r\n]*'
      value=${BASH_REMATCH[0]}
      [[ $value =~ [[:space:]]+# ]] && value=${value%%"${BASH_REMATCH[0]}"*}
      [[ $value =~ [[:space:]]+$ ]] && value=${value%"${BASH_REMATCH[0]}"}
      return 0 ;;
  esac
}

# envUnescape QUOTE TEXT: sets value to TEXT with the escapes python-dotenv decodes in QUOTE: \\ and \' in single
# quotes; also \" \a \b \f \n \r \t \v in double quotes. Any other backslash stays.
envUnescape() {
  local quote=$1 text=$2 next
  value=""
  while [[ $text == *\\* ]]; do
    value+=${text%%\\*}
    text=${text#*\\}
    next=${text:0:1}
    case "$quote$next" in
      ?\\ | ?\') value+=$next ;;
      \"\") value+='"' ;;
      \"a) value+=$'\a' ;;
      \"b) value+=$'\b' ;;
      \"f) value+=$'\f' ;;
      \"n) value+=$'\n' ;;
      \"r) value+=$'\r' ;;
      \"t) value+=$'\t' ;;
      \"v) value+=$'\v' ;;
      *) value+=\\; continue ;;
    esac
    text=${text:1}
  done
  value+=$text
}

# checkEnvFile FILE: refuses, in this shell, a variable the scripts read that envValue cannot give them.
checkEnvFile() {
  local key
  for key in "${ENV_SCRIPT_KEYS[@]}"; do
    envValue "$1" "$key" >/dev/null || exit 1
  done
}

# Creates .env from .env.example with freshly generated secrets; never overwrites an existing .env. Only
# root may bind port 80, so for anyone else the gateway and the URLs that name it move to port 8080.
ensureEnvFile() {
  local target=$1
  [ -f "$target" ] && return 0
  step "Creating $target from .env.example with generated secrets"
  local jwt crypto bri postgres origin=http://localhost port=80
  jwt=$(randomSecret 48)
  crypto=$(randomSecret 32)
  bri=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  postgres=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  if ! canBindPort 80; then
    origin=http://localhost:8080 port=8080
    info "not root: the gateway listens on $origin (GATEWAY_PORT, PUBLIC_BASE_URL and CORS_ORIGINS in $target)"
  fi
  # Created 0600 (umask 077), never readable by others while the secrets are being written. The values reach awk
  # through its environment, not its arguments (any user can read a process's arguments in /proc).
  # docker-compose.yml's PostgreSQL password (hex: it goes into DATABASE_URL as is) follows, not a setting.
  (umask 077 && NEW_JWT_SECRET=$jwt NEW_CRYPTO_MASTER_KEY=$crypto NEW_BRI_CLIENT_SECRET=$bri \
    NEW_GATEWAY_PORT=$port NEW_PUBLIC_BASE_URL=$origin NEW_CORS_ORIGINS=$origin NEW_POSTGRES=$postgres awk '
      BEGIN { n = split("JWT_SECRET CRYPTO_MASTER_KEY BRI_CLIENT_SECRET GATEWAY_PORT PUBLIC_BASE_URL CORS_ORIGINS",
                        keys, " ") }
      {
        for (i = 1; i <= n; i++)
          if (index($0, keys[i] "=") == 1) { $0 = keys[i] "=" ENVIRON["NEW_" keys[i]]; break }
        print
      }
      END {
        print ""
        print "# --- docker compose (docker-compose.yml reads it; not a setting) ---"
        print "# PostgreSQL'"'"'s password in the containers, set when the pgdata volume is created (README, Docker)."
        print "COMPOSE_POSTGRES_PASSWORD=" ENVIRON["NEW_POSTGRES"]
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
