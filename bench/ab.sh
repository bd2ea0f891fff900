#!/usr/bin/env bash
# Server CPU per send of two builds side by side: starts both servers (SQLite, fresh data directories, the benchmark's
# settings of run.sh), then `Parley.Bench cost-ab` alternates short measured windows between them, A B B A ..., and prints
# each pair's ratio. Build both first (dotnet build bench/Parley.Bench -c Release -p:SkipWebClient=true in each tree).
#
#   bench/ab.sh /work/wt/bench-base /work/wt/bench         A = the first tree's server, B = the second's
#   AB_ROUNDS=20 AB_WINDOW=4 AB_CLIENTS=16 bench/ab.sh A_TREE B_TREE
#   A_ENV="Parley__Record__SequenceInterval=01:00:00" bench/ab.sh T T    one tree, A with settings of its own (A_ENV, B_ENV)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bench_dll=$root/bench/Parley.Bench/bin/Release/net10.0/Parley.Bench.dll
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
pids=()
dirs=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done   # SIGINT is ignored by background jobs of a script
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "${dirs[@]}"
}
trap cleanup EXIT

# start TREE PORT [VAR=value...]: starts that tree's Release server on the port with those settings added; sets pid.
start() {
  local dll=$1/src/Parley.Server/bin/Release/net10.0/Parley.Server.dll dir
  dir=$(mktemp -d /tmp/parley-ab.XXXXXX)
  dirs+=("$dir")
  env ASPNETCORE_URLS="http://127.0.0.1:$2" Parley__DataDirectory="$dir" Parley__Database__Provider=Sqlite \
    Parley__Database__ConnectionString="Data Source=$dir/parley.db;Pooling=True;Default Timeout=30" \
    Parley__Bootstrap__Organization=Operators Parley__Bootstrap__Email=operator@bench.test Parley__Bootstrap__Password="$password" \
    Parley__Passwords__MemoryKiB=1024 Parley__Passwords__Iterations=1 Parley__RateLimits__LoginPerIp=10000000 \
    Parley__RateLimits__SendPerUser=10000000 Parley__RateLimits__SendPerIp=10000000 "${@:3}" \
    dotnet "$dll" --contentRoot "$(dirname "$dll")" >"$dir/server.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "ab: the server of $1 did not become ready; see $dir/server.log" >&2
  return 1
}

a=$1 b=$2
read -r -a a_env <<<"${A_ENV:-}"
read -r -a b_env <<<"${B_ENV:-}"
a_name=$(git -C "$a" rev-parse --short HEAD)${A_ENV:+ (${A_ENV})}
b_name=$(git -C "$b" rev-parse --short HEAD)${B_ENV:+ (${B_ENV})}
echo "ab: A = $a, $a_name; B = $b, $b_name"
start "$a" 15190 "${a_env[@]}"; a_pid=$pid
start "$b" 15191 "${b_env[@]}"; b_pid=$pid
dotnet "$bench_dll" cost-ab --a-url http://127.0.0.1:15190 --a-pid "$a_pid" --b-url http://127.0.0.1:15191 --b-pid "$b_pid" \
  --a-name "$a_name" --b-name "$b_name" --operator-password "$password" \
  --rounds "${AB_ROUNDS:-16}" --window "${AB_WINDOW:-4}" --clients "${AB_CLIENTS:-16}"
