# Fenceline's prerequisites, shared by bin/test and bin/fenceline demo (source this file, then call
# fenceline_prerequisites): Java 17+ and Maven to build, PostgreSQL server binaries, psql/pgbench and etcd to
# run, and every other command the tests and bin/bench call (etcdctl, pgbouncer, openssl, ...). As root,
# what is missing is installed with apt-get; otherwise the exact command is printed and the caller stops. Needs say() and fail() from the caller.

fenceline_prerequisites() {
  # --- Java 17+ and Maven: installed with apt-get when missing and running as root --------------------
  java_major() {
    java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | cut -d. -f1
  }
  toolchain=()
  if ! command -v java >/dev/null 2>&1 || [[ "$(java_major)" -lt 17 ]]; then
    toolchain+=(openjdk-17-jdk-headless)
  fi
  command -v mvn >/dev/null 2>&1 || toolchain+=(maven)
  if (( ${#toolchain[@]} > 0 )); then
    install_cmd="apt-get update && apt-get install -y ${toolchain[*]}"
    if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
      fail "Fenceline builds with Java 17+ and Maven 3.8+; missing: ${toolchain[*]}. Run as root: ${install_cmd}"
    fi
    say "installing the toolchain: ${install_cmd}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${toolchain[@]}"
  fi
  say "java $(java_major) ($(command -v java)), $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g')"

  # --- PostgreSQL and etcd: the tests run them as local processes --------------------------------------
  have_pg_server() {
    command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
    if command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then return 0; fi
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
  }
  # The library directory beside the server binaries have_pg_server found, where PostgreSQL loads output
  # plugins such as test_decoding from (the same search order as PostgresServer's).
  pg_lib_dir() {
    local bin=""
    if command -v initdb >/dev/null 2>&1; then bin="$(dirname "$(readlink -f "$(command -v initdb)")")"
    elif command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then bin="$(pg_config --bindir)"
    else bin="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)"
    fi
    [[ -n "$bin" && -d "$bin/../lib" ]] && (cd "$bin/../lib" && pwd)
  }

  # --- Every external command the build, the tests, bin/fenceline and bin/bench call --------------------
  packages=()
  want() { # want COMMAND PACKAGE
    if command -v "$1" >/dev/null 2>&1; then return 0; fi
    [[ " ${packages[*]} " == *" $2 "* ]] || packages+=("$2")
  }
  want etcd etcd-server
  want etcdctl etcd-client
  want psql postgresql-client
  want pgbench postgresql-client
  want pg_dump postgresql-client
  want pgbouncer pgbouncer
  want openssl openssl
  want python3 python3
  want runuser util-linux
  if have_pg_server; then
    pg_lib="$(pg_lib_dir)"
    if [[ -n "$pg_lib" && ! -f "$pg_lib/test_decoding.so" ]]; then packages+=(postgresql-contrib); fi
  else
    packages+=(postgresql postgresql-contrib)
  fi
  if (( ${#packages[@]} == 0 )); then
    say "etcd, etcdctl, PostgreSQL (server, test_decoding, psql, pgbench, pg_dump), pgbouncer, openssl, python3: found"
  fi

  if (( ${#packages[@]} > 0 )); then
    install_cmd="apt-get update && apt-get install -y ${packages[*]}"
    if [[ "$(id -u)" -ne 0 ]]; then
      fail "missing packages: ${packages[*]}. Run as root: ${install_cmd}   (or: sudo sh -c '${install_cmd}'), then run the command again"
    fi
    command -v apt-get >/dev/null 2>&1 || fail "missing packages ${packages[*]} and no apt-get to install them (Debian/Ubuntu expected)"
    say "installing missing packages: ${install_cmd}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
    local missing=()
    for c in etcd etcdctl psql pgbench pg_dump pgbouncer openssl python3 runuser; do
      command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    have_pg_server || missing+=(initdb)
    (( ${#missing[@]} == 0 )) || fail "installed ${packages[*]} but still not on the PATH: ${missing[*]}"
  fi

  # PostgreSQL refuses to run as root: as root, the fixtures start it as the postgres OS user.
  if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    fail "running as root but there is no 'postgres' OS user for the test servers; it comes with: apt-get install -y postgresql"
  fi

  # --- Prometheus and promtool (alert-rule tests, the demo's Prometheus): bin/lib/prometheus.sh -------------
  # shellcheck source=prometheus.sh
  source "$(dirname "${BASH_SOURCE[0]}")/prometheus.sh"
  fenceline_prometheus
}

# What bin/conformance needs beyond fenceline_prerequisites: Node.js and npm (node-postgres's suites), tar and xz.
# As root, what is missing is installed with apt-get; otherwise the exact command is printed and the caller stops.
fenceline_conformance_prerequisites() {
  local packages=()
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
  command -v tar >/dev/null 2>&1 || packages+=(tar)
  if (( ${#packages[@]} > 0 )); then
    local install_cmd="apt-get update && apt-get install -y ${packages[*]}"
    [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1 \
      || fail "bin/conformance needs ${packages[*]}. Run as root: ${install_cmd}"
    say "installing what bin/conformance needs: ${install_cmd}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
  fi
  say "node $(node --version), npm $(npm --version)"
}
