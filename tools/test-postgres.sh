# Sourced by test.sh: starts a throwaway PostgreSQL cluster on 127.0.0.1 and exports PARLEY_TEST_POSTGRES.
# Installs Debian's postgresql package first when it is missing and we are root. Stops the cluster on exit.
# PG_OPTIONS overrides the server settings: tests run without fsync; the benchmark keeps PostgreSQL's durable defaults.

find_pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

start_test_postgres() {
  local bin
  if ! bin=$(find_pg_bin); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "test.sh: installing PostgreSQL from Debian's packages (once)..."
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bin=$(find_pg_bin) || { echo "test.sh: PostgreSQL did not install." >&2; return 1; }
    else
      echo "test.sh: PostgreSQL is not installed (no initdb found). Install Debian's 'postgresql' package, or set"
      echo "         PARLEY_TEST_POSTGRES to a server (Host=...;Username=...;Password=...). Its tests will be SKIPPED."
      return 1
    fi
  fi

  PG_DIR=$(mktemp -d /tmp/parley-pg.XXXXXX)
  local password run=()
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  echo "$password" > "$PG_DIR/pwfile"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres:postgres "$PG_DIR"     # initdb refuses to run as root
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$PG_DIR/pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }

  local port
  for port in $(seq 25432 25462); do
    if "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR ${PG_OPTIONS:--c fsync=off -c max_connections=300}" start >/dev/null 2>&1; then
      PG_BIN=$bin
      PG_RUN=("${run[@]}")
      export PARLEY_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Include Error Detail=true"
      echo "test.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port"
      trap stop_test_postgres EXIT
      trap "exit 130" INT TERM          # so the EXIT trap stops the cluster on Ctrl+C too
      return 0
    fi
  done
  echo "test.sh: could not start PostgreSQL; see $PG_DIR/log" >&2
  return 1
}

stop_test_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
