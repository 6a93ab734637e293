# The servers of one conformance target, as local processes (sourced by bin/conformance): a PostgreSQL 15 cluster
# set up the way pgJDBC's CI sets up its server, a one-member etcd, and a Fenceline proxy from proxy/target.
# Every process started here is recorded in CONFORMANCE_PIDS / CONFORMANCE_PGDATA and stopped by
# conformance_stop_all. Needs say() and fail() from the caller, ROOT and WORK.

CONFORMANCE_PIDS=()
CONFORMANCE_PGDATA=()

# free_port: a port the kernel says is free on 127.0.0.1 now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# as_postgres CMD...: PostgreSQL refuses to run as root; as root, run its binaries as the postgres OS user.
as_postgres() {
  if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin_dir() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"
  elif command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then pg_config --bindir
  else compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1
  fi
}

# wait_until SECONDS WHAT CMD...: runs CMD every 200 ms until it succeeds; fails naming WHAT after SECONDS.
wait_until() {
  local seconds=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || fail "timed out after ${seconds}s waiting for $what"
    sleep 0.2
  done
}

# pg_cluster_start DIR: a fresh cluster in DIR/data on a free port; sets PG_PORT and PG_SOCKET.
# Settings as pgJDBC's CI: users test (password test) and postgres (trust, the privileged user), database test
# owned by test with hstore, logical replication (wal_level, senders, slots, a replication line in pg_hba.conf) and
# prepared transactions for the XA tests, and the roles RequireAuthTest creates with the authentication method
# each expects. fsync is off: a scratch server.
pg_cluster_start() {
  local dir=$1 bin
  bin="$(pg_bin_dir)"
  [[ -x "$bin/initdb" ]] || fail "no PostgreSQL server binaries (initdb) found"
  mkdir -p "$dir/socket"
  [[ "$(id -u)" -eq 0 ]] && chown -R postgres "$dir"
  PG_PORT="$(free_port)"
  PG_SOCKET="$dir/socket"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || fail "initdb failed: $(tail -n 20 "$dir/initdb.log")"
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET'
max_connections = 300
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
max_prepared_transactions = 64
fsync = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
CONF
  cat >"$dir/data/pg_hba.conf" <<HBA
local   all          all                     trust
host    all          postgres  127.0.0.1/32  trust
host    replication  postgres  127.0.0.1/32  trust
host    replication  all       127.0.0.1/32  md5
host    all          nobody    127.0.0.1/32  trust
host    all          pword     127.0.0.1/32  password
host    all          scram     127.0.0.1/32  scram-sha-256
host    all          md51      127.0.0.1/32  md5
host    all          all       127.0.0.1/32  md5
HBA
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start >"$dir/pg_ctl.log" 2>&1 \
    || fail "PostgreSQL did not start: $(tail -n 20 "$dir/server.log" 2>/dev/null)"
  CONFORMANCE_PGDATA+=("$dir/data")
  psql_local postgres -c "CREATE ROLE test LOGIN PASSWORD 'test'" \
    -c "CREATE DATABASE test OWNER test" >/dev/null
  psql_local test -c "CREATE EXTENSION hstore" >/dev/null
}

# pg_read_only: the read-only baseline. default_transaction_read_only = on for every new session of the cluster,
# set the way the proxy's database fence sets it on a non-writer (ALTER SYSTEM, then a reload), after the setup of
# pg_cluster_start; returns once a fresh session sees it.
pg_read_only() {
  psql_local postgres -c "ALTER SYSTEM SET default_transaction_read_only = on" -c "SELECT pg_reload_conf()" >/dev/null
  wait_until 30 "default_transaction_read_only = on in a new session" pg_sees_read_only
}

pg_sees_read_only() {
  [[ "$(psql_local test -tAc 'SHOW default_transaction_read_only')" == on ]]
}

# psql_local DB ARGS...: psql as postgres over the cluster's socket (setup and checks, never through the proxy).
psql_local() {
  local db=$1; shift
  psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET" -p "$PG_PORT" -U postgres -d "$db" "$@"
}

pg_cluster_stop() {
  local data=$1
  as_postgres "$(pg_bin_dir)/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
}

# etcd_start DIR: a one-member etcd on free ports; sets ETCD_ENDPOINT.
etcd_start() {
  local dir=$1 client peer
  client="$(free_port)"; peer="$(free_port)"
  mkdir -p "$dir"
  ETCD_ENDPOINT="http://127.0.0.1:$client"
  etcd --name conformance --data-dir "$dir/data" \
    --listen-client-urls "$ETCD_ENDPOINT" --advertise-client-urls "$ETCD_ENDPOINT" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "conformance=http://127.0.0.1:$peer" >"$dir/etcd.log" 2>&1 &
  CONFORMANCE_PIDS+=("$!")
  wait_until 60 "etcd at $ETCD_ENDPOINT" env ETCDCTL_API=3 etcdctl --endpoints "$ETCD_ENDPOINT" endpoint health
}

proxy_jar() {
  echo "$ROOT/proxy/target/fenceline-proxy-0.1.0-SNAPSHOT.jar"
}

# proxy_start DIR ROLE: a Fenceline proxy in front of the cluster at PG_PORT, with inspection on (the default) and a
# group: section. Its lease is 30 s and its etcd requests may take 5 s: on the loaded 2-core machine a writer whose
# renewals stall past a 5 s lease rightly turns read-only mid-run, which is not what the comparison is about. ROLE writer: its cluster is the group's only candidate and preferred, so it takes the writer lease
# and opens its database. ROLE reader: its cluster is not a candidate (the writer would be cluster "a", which has
# no proxy), so it never writes and fences its database. The fence works in database test, the suites' own
# database (as a deployment fences its application's database): its triggers cover the tables the tests create. Sets PROXY_PORT and PROXY_ADMIN_PORT; returns once the
# proxy gates as ROLE says, judged by PostgreSQL (a write through it commits, or it is refused and the database
# itself is read-only).
proxy_start() {
  local dir=$1 role=$2 cluster
  mkdir -p "$dir"
  PROXY_PORT="$(free_port)"; PROXY_ADMIN_PORT="$(free_port)"
  if [[ "$role" == writer ]]; then cluster=a; else cluster=b; fi
  cat >"$dir/proxy.yaml" <<YAML
# bin/conformance: the $role proxy
listen: { host: 127.0.0.1, port: $PROXY_PORT }
upstream: { host: 127.0.0.1, port: $PG_PORT }
admin: { host: 127.0.0.1, port: $PROXY_ADMIN_PORT }
shutdown_grace: 1s
etcd:
  endpoints: [$ETCD_ENDPOINT]
  prefix: /fenceline-conformance
  lease_ttl: 30s
  request_timeout: 5s
group:
  name: conformance
  cluster: $cluster
  proxy_id: $cluster-1
  preferred: a
  candidates: [a]
  failover: manual
  fence:
    user: postgres
    database: test
YAML
  [[ -f "$(proxy_jar)" ]] || fail "no proxy jar at $(proxy_jar)"
  # shellcheck disable=SC2086 # CONFORMANCE_PROXY_OPTS is a list of JVM options
  java ${CONFORMANCE_PROXY_OPTS:--XX:+UseParallelGC -Xms256m -Xmx1g} -jar "$(proxy_jar)" proxy --config "$dir/proxy.yaml" \
    >"$dir/proxy.log" 2>&1 &
  PROXY_PID=$!
  CONFORMANCE_PIDS+=("$PROXY_PID")
  if [[ "$role" == writer ]]; then
    wait_until 120 "the writer proxy to let a write through (log: $dir/proxy.log)" proxy_write_commits
  else
    wait_until 120 "the non-writer proxy to refuse writes and fence its database (log: $dir/proxy.log)" proxy_fenced
  fi
}

proxy_psql() {
  PGPASSWORD=test psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PROXY_PORT" -U test -d test "$@"
}

proxy_write_commits() {
  proxy_psql -c "CREATE TABLE conformance_probe (id int)" -c "DROP TABLE conformance_probe"
}

# The non-writer's gate refuses the probe with SQLSTATE 25006 (read_only_sql_transaction; psql prints it with
# VERBOSITY verbose), and the database itself is read-only.
proxy_fenced() {
  local out
  out="$(proxy_psql -v VERBOSITY=verbose -c "CREATE TABLE conformance_probe (id int)" 2>&1)" && return 1
  [[ "$out" == *"ERROR:  25006:"* ]] || return 1
  [[ "$(psql_local test -tAc 'SHOW default_transaction_read_only')" == on ]]
}

# conformance_stop_all: every process and cluster started by this file, newest first.
conformance_stop_all() {
  local i
  for (( i=${#CONFORMANCE_PIDS[@]}-1; i>=0; i-- )); do
    kill "${CONFORMANCE_PIDS[i]}" 2>/dev/null || true
  done
  for (( i=${#CONFORMANCE_PIDS[@]}-1; i>=0; i-- )); do
    wait "${CONFORMANCE_PIDS[i]}" 2>/dev/null || true
  done
  CONFORMANCE_PIDS=()
  for d in "${CONFORMANCE_PGDATA[@]}"; do pg_cluster_stop "$d"; done
  CONFORMANCE_PGDATA=()
}
