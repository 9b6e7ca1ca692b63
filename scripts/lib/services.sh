# Project-local PostgreSQL and Redis under a run directory (sourced).
# shellcheck shell=bash

# startPostgres DIR PORT DBNAME [OPTIONS]: initialises a cluster owned by postgres (initdb refuses root) and
# starts it, with extra server OPTIONS (the test stack passes "-c fsync=off"; a developer's data keeps fsync).
startPostgres() {
  local dir=$1 port=$2 db=$3 options=${4:-} bin
  bin=$(postgresBinDir)
  mkdir -p "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    info "initialising PostgreSQL cluster in $dir/data"
    mkdir -p "$dir/data"
    asRoot chown -R postgres:postgres "$dir"
    asRoot runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null \
      || die "initdb failed in $dir/data"
  fi
  asRoot chown -R postgres:postgres "$dir"
  traversableForOthers "$dir" "the postgres user must reach $dir"
  dropStalePostmasterPid "$dir" || true
  if ! asRoot runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    portFree "$port" || die "port $port is taken: PostgreSQL cannot start there"
    asRoot runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 $options" start >/dev/null \
      || die "PostgreSQL failed to start: see $dir/postgres.log"
  fi
  waitFor 30 "PostgreSQL on $port" "$bin/pg_isready" -h 127.0.0.1 -p "$port"
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" \
    | grep -q 1 || "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" || die "createdb $db failed"
}

# postmasterOf PID DATA_DIR: whether PID is a PostgreSQL server for DATA_DIR: started on it with -D (as
# startPostgres does), or, where /proc lets us see it, working in it (a postmaster changes into its data dir).
postmasterOf() {
  local pid=$1 data=$2 cwd
  processHas "$pid" -D "$data" && return 0
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
  [ "$cwd" = "$(cd "$data" 2>/dev/null && pwd -P)" ]
}

# dropStalePostmasterPid DIR: removes DIR/data/postmaster.pid when the pid in it belongs to another process now
# (after a reboot, a run killed without cleanup): pg_ctl would signal that process, and a server refuses to start
# while the file names a live process of its user. Fails when it removed nothing.
dropStalePostmasterPid() {
  local dir=$1 pid
  [ -f "$dir/data/postmaster.pid" ] || return 1
  pid=$(asRoot head -n 1 "$dir/data/postmaster.pid")
  [[ $pid =~ ^[1-9][0-9]*$ ]] && [ -e "/proc/$pid" ] && ! postmasterOf "$pid" "$dir/data" || return 1
  info "$dir/data/postmaster.pid: process $pid is not the PostgreSQL server of $dir/data (a stale pid file):" \
    "left running, file removed"
  asRoot rm -f "$dir/data/postmaster.pid"
}

# stopPostgres DIR: stops the cluster in DIR/data, never another process that took its pid.
stopPostgres() {
  local dir=$1 bin
  bin=$(postgresBinDir)
  [ -f "$dir/data/postmaster.pid" ] || return 0
  dropStalePostmasterPid "$dir" && return 0
  asRoot runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# redisDirOf PORT: the working directory of the Redis on PORT (empty when none answers).
redisDirOf() {
  { redis-cli -p "$1" config get dir 2>/dev/null || true; } | sed -n 2p
}

# startRedis DIR PORT: a server that keeps nothing on disk, bound to loopback. One already running from DIR
# is reused; one from elsewhere (another checkout's stack) is never shared.
startRedis() {
  local dir=$1 port=$2 running
  mkdir -p "$dir"
  running=$(redisDirOf "$port")
  [ -z "$running" ] || [ "$running" = "$(cd "$dir" && pwd -P)" ] \
    || die "port $port is taken by a Redis started from $running, not $dir"
  if [ -z "$running" ]; then
    portFree "$port" || die "port $port is taken: Redis cannot start there"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null \
      || die "Redis failed to start: see $dir/redis.log"
  fi
  waitFor 15 "Redis on $port" redis-cli -p "$port" ping
}

# stopRedis DIR PORT: stops the Redis on PORT only if it runs from DIR (startRedis's), never another one.
stopRedis() {
  local dir=$1 port=$2
  [ -d "$dir" ] && [ "$(redisDirOf "$port")" = "$(cd "$dir" && pwd -P)" ] || return 0
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
}
