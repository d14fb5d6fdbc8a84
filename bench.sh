#!/usr/bin/env bash
# The benchmark: builds Release, starts a fresh Azurite + one silo + the gateway (and a bare HTTP endpoint for the
# HTTP ceiling), seeds accounts, measures the ceilings and the six scenarios, then silo memory per active account,
# and writes bench/results/<time>.{md,json,svg} (and latest.*). Settings (environment):
#   BENCH_SECONDS (15)              measured seconds per scenario, after BENCH_WARMUP (3) seconds of warm-up
#   BENCH_ONLY (all)                only these scenarios, comma-separated: pin, validation, flood, unknown-flood, cold,
#                                   mix (and what they need; no storage-write figure), e.g. BENCH_ONLY=unknown-flood
#   BENCH_MEMORY_ACCOUNTS (10000)   accounts activated for the memory figure (0 skips it). Azurite slows down as its
#                                   table grows (each operation scans it), so 100,000 would take hours; see docs/benchmark.md.
#   ./bench.sh --scale [--storage postgres|azurite]   the same at 10,000 / 100,000 / 1,000,000 accounts instead
#                                   (scripts/bench-scale.sh says how)
set -euo pipefail
[[ "${1:-}" != --scale ]] || exec "$(dirname "${BASH_SOURCE[0]}")/scripts/bench-scale.sh" "$@"
source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$ROOT"

ensure_dotnet
ensure_azurite

seconds="${BENCH_SECONDS:-15}"
warmup="${BENCH_WARMUP:-3}"
memory_accounts="${BENCH_MEMORY_ACCOUNTS:-10000}"
only="${BENCH_ONLY:-}"
work="$ROOT/.local/bench"
table_port=10102 silo_port=11212 gateway_port=30102 api_port=5190 ceiling_port=5191

build_release
require_free_ports "another bench.sh?" $table_port $silo_port $gateway_port $api_port $ceiling_port
fresh_cluster_workdir "$work" "$table_port"
bin() { echo "$ROOT/src/$1/bin/Release/net10.0"; }

# Silo and gateway as in production: the bench tenant, its own cluster, logs at Warning.
export Cluster__ClusterId=pinorleans-bench Cluster__ServiceId=pinorleans-bench
export Cluster__SiloPort=$silo_port Cluster__GatewayPort=$gateway_port
export Storage__ConnectionString="$storage" Hashing__PepperFile="$work/pepper.key"
export Bootstrap__Tenant__ApiKey="$key" Bootstrap__Tenant__ApiSecret="$secret" Bootstrap__Tenant__Name=Bench
export Logging__LogLevel__Default=Warning DOTNET_ENVIRONMENT=Production

pids=()
# Interrupted: stop (130); any exit stops the children.
trap 'trap - EXIT; stop_children' EXIT
trap 'exit 130' INT TERM

mapfile -t flags < <(azurite_flags)
# In-memory Azurite: its disk persistence rewrites the whole database every few seconds, CPU no real Azure
# Table storage would take from these cores (the bench needs no data after it ends).
start INT "$AZURITE_TABLE" --tableHost 127.0.0.1 --tablePort "$table_port" --inMemoryPersistence "${flags[@]}"
azurite_pid=$last_pid
wait_for_port 127.0.0.1 "$table_port" 30 Azurite

start_silo() {
  start TERM dotnet "$(bin Silo)/PinOrleans.Silo.dll" --contentRoot "$(bin Silo)" "$@"
  silo_pid=$last_pid
  wait_for_port 127.0.0.1 "$gateway_port" 90 "The silo"
  sleep 2 # the bootstrap tenant is written right after the silo opens its gateway
}

start_silo
start TERM env ASPNETCORE_URLS="http://127.0.0.1:$api_port" dotnet "$(bin Gateway)/PinOrleans.Gateway.dll" --contentRoot "$(bin Gateway)"
gateway_pid=$last_pid
start TERM dotnet "$(bin Bench)/PinOrleans.Bench.dll" http-ceiling --urls "http://127.0.0.1:$ceiling_port"
ceiling_pid=$last_pid
for ((t = 0; t < 240; t++)); do curl -fs "http://127.0.0.1:$api_port/health/ready" >/dev/null 2>&1 && break; sleep 0.25; done
curl -fs "http://127.0.0.1:$api_port/health/ready" >/dev/null || { echo "The gateway did not become ready." >&2; exit 1; }
wait_for_port 127.0.0.1 "$ceiling_port" 30 "The HTTP ceiling endpoint"

bench() { dotnet "$(bin Bench)/PinOrleans.Bench.dll" "$1" --apikey "$key" --secret "$secret" --storage "$storage" --cluster pinorleans-bench --out "$work" "${@:2}"; }

bench run --api "http://127.0.0.1:$api_port" --ceiling "http://127.0.0.1:$ceiling_port" --seconds "$seconds" --warmup "$warmup" \
  ${only:+--only "$only"} --pids "silo=$silo_pid,gateway=$gateway_pid,azurite=$azurite_pid,ceiling=$ceiling_pid"

stop_pid "$ceiling_pid"
stop_pid "$gateway_pid"
if [[ "$memory_accounts" -gt 0 ]]; then
  # Memory per account does not depend on the hash cost (the stored hash has the same size), so the accounts are
  # created under cheap hashing; the silo is then restarted so the figure starts from a fresh process.
  stop_pid "$silo_pid"
  export Hashing__MemoryKiB=64 Hashing__Iterations=1
  start_silo
  echo "Seeding $memory_accounts accounts with PIN sessions for the memory figure ..."
  bench memory --step seed --accounts "$memory_accounts"
  stop_pid "$silo_pid"
  start_silo
  bench memory --step measure --pids "silo=$silo_pid"
fi

# A partial run (BENCH_ONLY) does not replace the published results.
results="$ROOT/bench/results"
[[ -z "$only" ]] || results="$work/results"
bench report --work "$work" --out "$results" >/dev/null
cat "$results/latest.md"
echo "Results: ${results#"$ROOT/"}/latest.md, latest.json, latest.svg (and a timestamped copy of each)."
