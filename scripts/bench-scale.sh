#!/usr/bin/env bash
# ./bench.sh --scale [--storage postgres|azurite]: PIN login and validation throughput and p99, storage rows and bytes,
# and silo memory per active account at growing numbers of accounts. For each level of BENCH_SCALE_LEVELS
# (default "10000 100000 1000000"): a silo with cheap hashing grows the account base to that level straight through
# the grains (accounts with a PIN and a PIN session); then a fresh silo with the real hash and the gateway are
# measured (memory on a sample of accounts, then BENCH_SECONDS of PIN logins and of validations on accounts drawn
# from the whole base). Writes bench/results/scale-<store>.{md,json,svg}.
#   BENCH_SCALE_LEVELS ("10000 100000 1000000")  account counts to measure at, ascending
#   BENCH_SECONDS (20), BENCH_WARMUP (3)         measured / warm-up seconds of each load
#   BENCH_SCALE_SEED_MINUTES (60)                a level whose seeding would take longer (at the last rate) is not
#                                                started: where the store stops being usable is reported instead
#   BENCH_SCALE_KEEP (0)                         1: keep the account base of the last run of this store and grow it
#   BENCH_SCALE_SHARED_BUFFERS (2GB)             PostgreSQL's shared_buffers for the run
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

store=postgres
while [[ $# -gt 0 ]]; do
  case "$1" in
  --scale) shift ;;
  --storage) store="${2:?--storage needs postgres or azurite}"; shift 2 ;;
  *) echo "Usage: ./bench.sh --scale [--storage postgres|azurite]" >&2; exit 2 ;;
  esac
done
[[ "$store" == azurite || "$store" == postgres ]] || { echo "--storage takes postgres or azurite." >&2; exit 2; }
ensure_dotnet
if [[ "$store" == postgres ]]; then ensure_postgres; else ensure_azurite; fi

levels="${BENCH_SCALE_LEVELS:-10000 100000 1000000}"
seconds="${BENCH_SECONDS:-20}"
warmup="${BENCH_WARMUP:-3}"
seed_minutes="${BENCH_SCALE_SEED_MINUTES:-60}"
work="$ROOT/.local/bench-scale-$store"
table_port=10103 postgres_port=55434 silo_port=11213 gateway_port=30103 api_port=5192
store_port=$table_port
[[ "$store" == azurite ]] || store_port=$postgres_port

build_release
require_free_ports "another bench.sh?" $store_port $silo_port $gateway_port $api_port
if [[ "${BENCH_SCALE_KEEP:-0}" == 1 && -s "$work/scale.env" ]]; then
  source "$work/scale.env"
else
  [[ "$store" == azurite ]] || { ensure_postgres; stop_postgres "$work/postgres" 2>/dev/null || true; }
  fresh_cluster_workdir "$work" "$table_port"
  postgres_password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  printf 'key=%s\nsecret=%s\npostgres_password=%s\n' "$key" "$secret" "$postgres_password" >"$work/scale.env"
fi
bin() { echo "$ROOT/src/$1/bin/Release/net10.0"; }
provider=AzureTable
if [[ "$store" == postgres ]]; then
  chmod 711 "$ROOT/.local" "$work" # the postgres OS user runs the server in $work/postgres (as ./run.sh allows it)
  storage="$(postgres_connection_string "$postgres_port" "$postgres_password")"
  provider=PostgreSQL
else
  storage="$(azurite_connection_string "$table_port")"
fi

export Storage__Provider=$provider Storage__ConnectionString="$storage"
export Cluster__ClusterId=pinorleans-scale Cluster__ServiceId=pinorleans-scale
export Cluster__SiloPort=$silo_port Cluster__GatewayPort=$gateway_port Hashing__PepperFile="$work/pepper.key"
export Bootstrap__Tenant__ApiKey="$key" Bootstrap__Tenant__ApiSecret="$secret" Bootstrap__Tenant__Name=Scale
export Logging__LogLevel__Default=Warning DOTNET_ENVIRONMENT=Production

pids=()
cleanup() {
  trap - EXIT
  stop_children
  if [[ "$store" == postgres ]]; then stop_postgres "$work/postgres" || true; fi
}
trap cleanup EXIT
CHILD_LOG="$work/processes.log"
trap 'exit 130' INT TERM

if [[ "$store" == postgres ]]; then
  # Sized for the base, as an operator would (PostgreSQL's default is 128 MB; a million accounts take about 4.4 GB,
  # and logins drawn from the whole base read rows all over it).
  POSTGRES_OPTIONS="${POSTGRES_OPTIONS:--c shared_buffers=${BENCH_SCALE_SHARED_BUFFERS:-2GB}}" \
    start_postgres "$work/postgres" "$postgres_port" "$postgres_password"
else
  # On disk, as ./run.sh keeps it: an in-memory Azurite would hold the whole account base in its own heap.
  mkdir -p "$work/azurite"
  mapfile -t flags < <(azurite_flags)
  start INT "$AZURITE_TABLE" --tableHost 127.0.0.1 --tablePort "$table_port" --location "$work/azurite" "${flags[@]}"
  wait_for_port 127.0.0.1 "$table_port" 30 Azurite
fi

start_silo() {
  start TERM dotnet "$(bin Silo)/PinOrleans.Silo.dll" --contentRoot "$(bin Silo)"
  silo_pid=$last_pid
  wait_for_port 127.0.0.1 "$gateway_port" 120 "The silo"
  sleep 2 # the bootstrap tenant is written right after the silo opens its gateway
}
bench() { dotnet "$(bin Bench)/PinOrleans.Bench.dll" scale --apikey "$key" --secret "$secret" --storage "$storage" --provider "$provider" --cluster pinorleans-scale --out "$work" "$@"; }

have() { [[ -s "$work/scale-sessions.txt" ]] && wc -l <"$work/scale-sessions.txt" || echo 0; }
last_rate() { [[ -s "$work/scale-seeding.tsv" ]] && tail -1 "$work/scale-seeding.tsv" | cut -f2 || echo 0; }
for level in $levels; do
  missing=$((level - $(have)))
  rate="$(last_rate)"
  if ((missing > 0 && ${rate%.*} > 0 && missing / ${rate%.*} > seed_minutes * 60)); then
    echo "Stopping before $level accounts: seeding the $missing missing at the last rate ($rate accounts/s) would take over $seed_minutes minutes." | tee "$work/scale-stopped.txt"
    break
  fi
  if ((missing > 0)); then
    seed_storage="$storage"
    # Seeding is the bench's set-up, not a measured write: PostgreSQL commits without waiting for its WAL flush
    # (a crash could lose the last few hundred milliseconds of seeded accounts, never a measured one).
    [[ "$store" != postgres ]] || seed_storage="$storage;Options=-c synchronous_commit=off"
    # A seeded account is not used again by this silo: deactivated after two minutes, not held for 15.
    Cluster__IdleActivationMinutes=2 Storage__ConnectionString="$seed_storage" Hashing__MemoryKiB=64 Hashing__Iterations=1 start_silo
    # Azurite answers slower as its table grows: fewer seeders at once keep its calls under the storage timeout.
    bench --step seed --accounts "$level" --parallel "$([[ "$store" == azurite ]] && echo 16 || echo 64)"
    stop_pid "$silo_pid"
  fi
  start_silo
  start TERM env ASPNETCORE_URLS="http://127.0.0.1:$api_port" dotnet "$(bin Gateway)/PinOrleans.Gateway.dll" --contentRoot "$(bin Gateway)"
  gateway_pid=$last_pid
  for ((t = 0; t < 240; t++)); do curl -fs "http://127.0.0.1:$api_port/health/ready" >/dev/null 2>&1 && break; sleep 0.25; done
  echo "Measuring at $level accounts ..."
  bench --step measure --api "http://127.0.0.1:$api_port" --seconds "$seconds" --warmup "$warmup" --pids "silo=$silo_pid"
  stop_pid "$gateway_pid"
  stop_pid "$silo_pid"
done

results="$ROOT/bench/results"
mkdir -p "$results"
bench --step report --work "$work" --out "$work/report" >/dev/null
for ext in md json svg; do cp "$work/report/scale.$ext" "$results/scale-$store.$ext"; done
[[ ! -s "$work/scale-stopped.txt" ]] || cat "$work/scale-stopped.txt" >>"$results/scale-$store.md"
cat "$results/scale-$store.md"
echo "Results: bench/results/scale-$store.md, .json, .svg"
