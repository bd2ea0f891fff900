#!/usr/bin/env bash
# The benchmark in one command: builds the server and the load generator in Release, then for SQLite and for
# PostgreSQL starts the server on 127.0.0.1 with a fresh data directory (and a throwaway PostgreSQL cluster with its
# durable defaults), runs every scenario, stops everything, and writes bench/results/latest.json and the results
# section of docs/benchmarks.md.
#
#   bench/run.sh                 the published run: 1,000 users, 1,000,000 stored messages (about 11 minutes on 2 cores)
#   bench/run.sh --quick         a small run to try the harness (writes bench/results/*-quick.json only)
#   BENCH_DATABASES=Sqlite bench/run.sh   one database only
#   BENCH_ONLY=one-to-one,group bench/run.sh --quick   some scenarios only (idle, one-to-one, group, large-channel, request-cost, history, record, gdpr, purge, search)
#   BENCH_USERS=5000 bench/run.sh   the issue's full scale: over 15 minutes here, most of it creating accounts
#   BENCH_ONLY=record BENCH_HISTORY=1000000 BENCH_DATABASES=Sqlite bench/run.sh --quick
#                                the record log: checkpoint over the seeded entries, proofs, integrity check
#   BENCH_ONLY=history,purge BENCH_HISTORY=1000000 BENCH_DATABASES=Sqlite BENCH_USERS=100 bench/run.sh --quick
#                                the retention purge against live sends: one-to-one at a fixed rate (BENCH_PURGE_RATE, 100/s)
#                                alone, then while POST /api/v1/compliance/retention/purge erases the seeded history (60 days
#                                old, maximum set to 30 days), with the purge's rate; the purge's request is cancelled after the
#                                step. Last, as it erases the history. The server takes its purge options from the environment
#                                (Parley__Retention__BatchSize=…, Parley__Retention__BatchPause=00:00:00.050) and the report says which.
#   BENCH_SERVER_DLL=/other/worktree/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll BENCH_ONLY=request-cost ...
#                                this harness against another build of the server (compare two commits; build it first)
#   BENCH_TAG=base              appended to the results file's name, so that alternating runs do not overwrite each other
#   BENCH_KEEP=1                 keep each database's data folder (SQLite file, server log) for a closer look afterwards
#   BENCH_SKIP_BUILD=1           run what is built (a copy of the build outputs, while the sources change)
#   BENCH_COST_WINDOW=10         seconds each request-cost measurement lasts (default: the step window, 5 s or 3 s quick)
#
# For the benchmark only, the server runs with a cheaper Argon2id cost (provisioning 5,000 accounts would otherwise
# take most of the run) and with raised rate limits (one address sends for thousands of users). Nothing else changes:
# SQLite stays in WAL mode with synchronous=FULL and PostgreSQL keeps fsync and synchronous_commit on.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

quick=()
[ "${1:-}" = "--quick" ] && quick=(--quick)
scale=()
if [ -z "${1:-}" ]; then scale+=(--users "${BENCH_USERS:-1000}"); elif [ -n "${BENCH_USERS:-}" ]; then scale+=(--users "$BENCH_USERS"); fi
[ -n "${BENCH_HISTORY:-}" ] && scale+=(--history "$BENCH_HISTORY")
[ -n "${BENCH_VERIFY:-}" ] && scale+=(--verify-integrity)
[ -n "${BENCH_ONLY:-}" ] && scale+=(--only "$BENCH_ONLY")
[ -n "${BENCH_COST_WINDOW:-}" ] && scale+=(--cost-window "$BENCH_COST_WINDOW")
[ -n "${BENCH_PURGE_RATE:-}" ] && scale+=(--purge-rate "$BENCH_PURGE_RATE")
databases=${BENCH_DATABASES:-Sqlite Postgres}

# 5,000 hub connections need as many sockets on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  echo "bench: building (Release)..."
  dotnet build bench/Parley.Bench -c Release -p:SkipWebClient=true -nologo -v quiet -clp:ErrorsOnly
fi
server_dll=${BENCH_SERVER_DLL:-$root/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll}
echo "bench: server $server_dll ($(git -C "$(dirname "$server_dll")" rev-parse --short HEAD 2>/dev/null || echo '?'))"
bench_dll=$root/bench/Parley.Bench/bin/Release/net10.0/Parley.Bench.dll

source tools/test-postgres.sh
server_pid=""
data_dir=""
cleanup() {
  stop_server
  stop_test_postgres
}

free_port() {
  local port
  for port in $(seq 15080 15180); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# start_server PROVIDER CONNECTION_STRING
start_server() {
  local port
  port=$(free_port) || { echo "bench: no free port in 15080-15180" >&2; return 1; }
  url="http://127.0.0.1:$port"
  operator_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  # The content root is the build output, as when the server is deployed: its appsettings.json (log levels) applies.
  env ASPNETCORE_URLS="$url" \
    Parley__DataDirectory="$data_dir" \
    Parley__Database__Provider="$1" \
    Parley__Database__ConnectionString="$2" \
    Parley__Bootstrap__Organization="Operators" \
    Parley__Bootstrap__Email="operator@bench.test" \
    Parley__Bootstrap__Password="$operator_password" \
    Parley__Passwords__MemoryKiB=1024 \
    Parley__Passwords__Iterations=1 \
    Parley__RateLimits__LoginPerIp=10000000 \
    Parley__RateLimits__SendPerUser=10000000 \
    Parley__RateLimits__SendPerIp=10000000 \
    dotnet "$server_dll" --contentRoot "$(dirname "$server_dll")" >"$data_dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 90); do
    if curl -fs "$url/readyz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$data_dir/server.log" >&2; return 1; }
    sleep 1
  done
  echo "bench: the server did not become ready in 90 s; see $data_dir/server.log" >&2
  return 1
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true   # a background job of a script ignores SIGINT
  for _ in $(seq 1 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

trap cleanup EXIT
started=$(date +%s)
outputs=()
for db in $databases; do
  data_dir=$(mktemp -d /tmp/parley-bench.XXXXXX)
  case $db in
    Sqlite) connection="Data Source=$data_dir/parley.db;Pooling=True;Default Timeout=30" ;;
    Postgres)
      # A throwaway cluster with PostgreSQL's durable defaults (fsync and synchronous_commit on).
      PG_OPTIONS="-c max_connections=300" start_test_postgres || { echo "bench: PostgreSQL is not available" >&2; exit 1; }
      trap cleanup EXIT
      connection="$PARLEY_TEST_POSTGRES;Database=parley_bench;Maximum Pool Size=200" ;;
    *) echo "bench: unknown database $db" >&2; exit 1 ;;
  esac
  echo "bench: $db, data in $data_dir"
  start_server "$db" "$connection"
  out=bench/results/$(echo "$db" | tr 'A-Z' 'a-z')${quick:+-quick}${BENCH_ONLY:+-partial}${BENCH_TAG:+-$BENCH_TAG}.json
  dotnet "$bench_dll" run --url "$url" --server-pid "$server_pid" --database "$db" --connection-string "$connection" \
    --operator-password "$operator_password" --out "$out" "${quick[@]}" "${scale[@]}"
  outputs+=("$out")
  stop_server
  cp "$data_dir/server.log" "${out%.json}-server.log"
  if [ "$db" = Postgres ]; then stop_test_postgres; PG_DIR=""; fi
  if [ -n "${BENCH_KEEP:-}" ] && [ "$db" = Sqlite ]; then echo "bench: kept $data_dir"; else rm -rf "$data_dir"; fi
done

if [ ${#quick[@]} -eq 0 ] && [ -z "${BENCH_ONLY:-}" ]; then
  command="bench/run.sh"
  [ ${#scale[@]} -gt 0 ] && command="BENCH_USERS=${BENCH_USERS:-1000} BENCH_HISTORY=${BENCH_HISTORY:-1000000} bench/run.sh"
  dotnet "$bench_dll" report --json bench/results/latest.json --markdown docs/benchmarks.md --command "$command" "${outputs[@]}"
fi
echo "bench: done in $(( $(date +%s) - started )) s"
