# Shared shell helpers for scripts/run.sh and scripts/test.sh (sourced, not executed).
# shellcheck shell=bash

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APT_UPDATED=0

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The servers started here must not keep a caller's descriptors open (a lock held around this script, a
# pipe the caller reads to its end): descriptors 3-254 are closed (255 is bash's own script file).
closeInheritedFds() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then eval "exec $fd>&-"; fi
  done
}

# processHas PID ARG...: whether process PID runs with each ARG among its command-line arguments (never for
# something that is not a pid, a process that is gone, a zombie or a kernel thread).
processHas() {
  local pid=$1 wanted arg found
  shift
  [[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
  local -a args=()
  mapfile -d '' -t args 2>/dev/null <"/proc/$pid/cmdline" || return 1
  [ ${#args[@]} -gt 0 ] || return 1
  for wanted; do
    found=0
    for arg in "${args[@]}"; do [ "$arg" = "$wanted" ] && { found=1; break; }; done
    [ "$found" -eq 1 ] || return 1
  done
}

# childOfThisShell PID: a process this script started (its pid file may be read before it has exec'd).
childOfThisShell() {
  [[ $1 =~ ^[1-9][0-9]*$ ]] && [ "$(awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" = "$$" ]
}

# staleProcess FILE PID WHAT: a pid file naming a live process that is not WHAT (the pid was reused, after a
# reboot or a run killed without cleanup): that process is left alone and the file removed.
staleProcess() {
  info "$1: process $2 is not $3 (a stale pid file): left running, file removed"
  rm -f "$1"
}

asRoot() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages that are not installed yet.
ensureAptPackages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
  step "Installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then
    asRoot apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive asRoot apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

ensureSystemPackages() {
  local hadNginx=0
  dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q "install ok installed" && hadNginx=1
  ensureAptPackages ca-certificates curl gettext-base procps python3 python3-pip python3-venv \
    postgresql postgresql-contrib redis-server nginx libnginx-mod-http-lua libnginx-mod-http-ndk \
    lua-nginx-redis lua-cjson openssl wrk
  [ "$hadNginx" -eq 1 ] || stopDistroNginx
}

# Debian starts its own nginx (and its default site on port 80) when the package is installed; the
# project runs nginx itself, so a service this script just installed is stopped and disabled.
stopDistroNginx() {
  info "stopping and disabling the nginx service that the Debian package started"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    asRoot systemctl disable --now nginx >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/nginx ]; then
    asRoot /etc/init.d/nginx stop >/dev/null 2>&1 || true
    command -v update-rc.d >/dev/null && { asRoot update-rc.d nginx disable >/dev/null 2>&1 || true; }
  fi
}

# traversableForOthers DIR WHY: chmod o+x on each directory from DIR up to / that lacks it, naming each, so
# another user (postgres, nginx's workers) reaches DIR.
traversableForOthers() {
  local parent=$1
  while [ "$parent" != "/" ]; do
    if [ $(( 0$(stat -L -c %a "$parent") & 1 )) -eq 0 ]; then
      info "chmod o+x $parent ($2)"
      chmod o+x "$parent" 2>/dev/null || die "cannot make $parent traversable ($2)"
    fi
    parent=$(dirname "$parent")
  done
}

postgresBinDir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  echo "$dir"
}

ensureUv() {
  export PATH="$HOME/.local/bin:$PATH"
  command -v uv >/dev/null && return 0
  step "Installing uv"
  python3 -m pip install --quiet --user uv 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages --user uv \
    || die "could not install uv with pip"
  command -v uv >/dev/null || die "uv installed but not on PATH"
}

ensurePythonDeps() {
  step "Preparing the Rust toolchain for the crypto module"
  # shellcheck source=scripts/lib/rust.sh
  source "$ROOT_DIR/scripts/lib/rust.sh"
  ensureRustBuild || die "could not prepare the Rust build (see the [rust] lines above)"
  step "Syncing Python dependencies (uv sync --frozen), building the Rust module when it changed"
  (cd "$ROOT_DIR" && uv sync --frozen --quiet) || die "uv sync failed"
}

# Waits until a command succeeds or the timeout (seconds) passes.
waitFor() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && die "$what did not become ready within ${timeout}s"
    sleep 0.2
  done
}

httpOk() { curl -fs -o /dev/null --max-time 2 "$1"; }

portInUse() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
portFree() { ! portInUse "$1"; }

randomSecret() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
