# The grammar of every value the gateway renderers (scripts/lib/gateway.sh, docker/gatewayEntrypoint.sh) paste
# into nginx.conf, its Lua block and tls.conf: a quote, semicolon, brace or newline in one would inject
# configuration. POSIX sh, sourced by both (the gateway image holds it beside its entrypoint).
# shellcheck shell=sh

# isIpv4 TEXT: four decimal octets from 0 to 255, without leading zeros.
isIpv4() {
  case $1 in "" | *[!0-9.]* | .* | *. | *..*) return 1 ;; esac
  local IFS=. octet
  set -- $1
  [ $# -eq 4 ] || return 1
  for octet; do
    case $octet in [0-9] | [1-9][0-9] | 1[0-9][0-9] | 2[0-4][0-9] | 25[0-5]) ;; *) return 1 ;; esac
  done
}

# isIpv6 TEXT: eight groups of 1-4 hex digits, at most one "::" standing for one or more of them, the last
# two possibly an IPv4 address; no zone index.
isIpv6() {
  local text=$1 tail head rest="" part group groups=0 gap=0 IFS=:
  case $text in "" | *[!0-9A-Fa-f:.]* | *:::* | *::*::*) return 1 ;; esac
  case $text in
    *.*)
      tail=${text##*:}
      isIpv4 "$tail" || return 1
      text=${text%"$tail"}
      groups=2
      case $text in *::) ;; *:) text=${text%:} ;; *) return 1 ;; esac ;;
  esac
  head=$text
  case $text in *::*) gap=1; head=${text%%::*}; rest=${text#*::} ;; esac
  for part in "$head" "$rest"; do
    case $part in "") continue ;; :* | *:) return 1 ;; esac
    set -- $part
    for group; do
      case $group in "" | ?????* | *[!0-9A-Fa-f]*) return 1 ;; esac
      groups=$((groups + 1))
    done
  done
  if [ "$gap" -eq 1 ]; then [ "$groups" -le 7 ]; else [ "$groups" -eq 8 ]; fi
}

isIpAddress() {
  case $1 in *:*) isIpv6 "$1" ;; *) isIpv4 "$1" ;; esac
}

# isAddressList TEXT: empty, or IP addresses separated by commas, spaces allowed around each.
isAddressList() {
  case $1 in *[!0-9A-Fa-f:.,\ ]* | ,* | *, | *,,*) return 1 ;; esac
  local item IFS=,
  for item in $1; do
    IFS=' '
    set -- $item
    [ $# -eq 1 ] && isIpAddress "$1" || return 1
    IFS=,
  done
}

isPort() {
  case $1 in "" | *[!0-9]* | 0*) return 1 ;; esac
  [ ${#1} -le 5 ] && [ "$1" -le 65535 ]
}

isHostName() {
  case $1 in "" | *[!A-Za-z0-9.-]* | [.-]* | *[.-] | *..* | *.-* | *-.*) return 1 ;; esac
  [ ${#1} -le 253 ]
}

# isUpstream TEXT: host:port, the host a name, an IPv4 address or a bracketed IPv6 address.
isUpstream() {
  local host=${1%:*}
  case $1 in *:*) isPort "${1##*:}" || return 1 ;; *) return 1 ;; esac
  case $host in
    \[*\]) host=${host#\[}; isIpv6 "${host%\]}" ;;
    *[!0-9.]*) isHostName "$host" ;;
    *) isIpv4 "$host" ;;
  esac
}

# isListen TEXT: what `listen` takes here: a port, IPv4:port or [IPv6]:port.
isListen() {
  local host
  case $1 in
    \[*\]:*) host=${1%]:*}; isIpv6 "${host#\[}" && isPort "${1##*]:}" ;;
    *:*) isIpv4 "${1%:*}" && isPort "${1##*:}" ;;
    *) isPort "$1" ;;
  esac
}

isPath() {
  case $1 in /*) ;; *) return 1 ;; esac
  case $1 in *[!A-Za-z0-9._/+@=,-]*) return 1 ;; esac
}

isWorkerCount() {
  case $1 in auto) return 0 ;; "" | *[!0-9]* | 0*) return 1 ;; esac
  [ ${#1} -le 4 ]
}

isDbNumber() {
  case $1 in "" | *[!0-9]*) return 1 ;; esac
  [ ${#1} -le 5 ]
}

# checkValue NAME TEST WHAT [DEFAULT]: prints "NAME must be WHAT" and fails when TEST refuses NAME's value (or
# DEFAULT when it is empty). The value itself is never printed.
checkValue() {
  local value
  eval "value=\${$1:-${4:-}}"
  "$2" "$value" && return 0
  echo "$1 must be $3"
  return 1
}

# gatewayValueProblem: one line naming the first substituted value outside its grammar, and a failure; nothing
# when every value fits. NGINX_LOAD_MODULES is left out: each renderer builds it from fixed names.
gatewayValueProblem() {
  local path="an absolute path of letters, digits and ._/+@=,- only"
  checkValue NGINX_WORKERS isWorkerCount "auto or a number of worker processes" \
    && checkValue NGINX_RUN_DIR isPath "$path" \
    && checkValue NGINX_MIME_TYPES isPath "$path" \
    && checkValue NGINX_LUA_DIR isPath "$path" \
    && checkValue NGINX_CONF_DIR isPath "$path" \
    && checkValue NGINX_WWW_DIR isPath "$path" \
    && checkValue GATEWAY_PORT isListen "a port, IPv4:port or [IPv6]:port" \
    && checkValue PUBLIC_UPSTREAM isUpstream "host:port (a host name, an IPv4 address or [IPv6])" \
    && checkValue ADMIN_UPSTREAM isUpstream "host:port (a host name, an IPv4 address or [IPv6])" \
    && checkValue GATEWAY_REDIS_HOST isIpv4 "an IPv4 address" \
    && checkValue GATEWAY_REDIS_PORT isPort "a port from 1 to 65535" \
    && checkValue GATEWAY_REDIS_DB isDbNumber "a Redis database number" \
    && checkValue GATEWAY_TRUSTED_PROXIES isAddressList \
      "empty or comma-separated IPv4/IPv6 addresses (no names, CIDR ranges, ports or empty items)" \
    && { [ -z "${GATEWAY_TLS_CERT:-}" ] || {
      checkValue GATEWAY_TLS_PORT isListen "a port, IPv4:port or [IPv6]:port" 443 \
        && checkValue GATEWAY_TLS_CERT isPath "$path" \
        && checkValue GATEWAY_TLS_KEY isPath "$path"
    }; }
}
