#!/usr/bin/env bash
# The benchmark: builds Release, starts a fresh Azurite + one silo + the gateway (and a bare HTTP endpoint for the
# HTTP ceiling) and, beside them, the stock peer (ASP.NET Core Identity + EF Core + PostgreSQL, outside the repository),
# seeds accounts in both, measures the ceilings and the seven scenarios (five of them on both services, alternating),
# then silo memory per active account, and writes bench/results/<time>.{md,json,svg} (and latest.*). Settings (environment):
#   BENCH_SECONDS (15)              measured seconds per scenario, after BENCH_WARMUP (3) seconds of warm-up
#   BENCH_ONLY (all)                only these scenarios, comma-separated: pin, validation, flood, unknown-flood, cold,
#                                   mix, race (and what they need; no storage-write figure), e.g. BENCH_ONLY=unknown-flood
#   PEER_DIR                        the stock peer (default: ../shared/bench/peer-identity beside the main checkout);
#                                   when it is not there, or BENCH_PEER=0, the peer's columns are left out
#   BENCH_MEMORY_ACCOUNTS (10000)   accounts activated for the memory figure (0 skips it). Azurite slows down as its
#                                   table grows (each operation scans it), so 100,000 would take hours; see docs/benchmark.md.
#   ./bench.sh --storage azurite    PinOrleans on Azurite (the development emulator, a Node.js process on the same
#                                   cores) instead of PostgreSQL, the store the stock peer runs on
#   ./bench.sh --separate-gateway   the gateway in a process of its own, an Orleans client of the silo, instead of
#                                   hosted in the silo's process (Cluster:HostSilo, one process as the stock peer is)
#   ./bench.sh --scale [--storage postgres|azurite]   the same at 10,000 / 100,000 / 1,000,000 accounts instead
#                                   (scripts/bench-scale.sh says how)
#   ./bench.sh --profile [--scenario validation] [--storage ...]  where a PIN login's (a validation's) CPU goes, by
#                                         component (scripts/bench-profile.sh says how)
set -euo pipefail
[[ "${1:-}" != --scale ]] || exec "$(dirname "${BASH_SOURCE[0]}")/scripts/bench-scale.sh" "$@"
[[ "${1:-}" != --profile ]] || exec "$(dirname "${BASH_SOURCE[0]}")/scripts/bench-profile.sh" "$@"
source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$ROOT"

store=postgres
hosting=cohosted
while [[ $# -gt 0 ]]; do
  case "$1" in
  --storage) store="${2:?--storage needs postgres or azurite}"; shift 2 ;;
  --separate-gateway) hosting=separate; shift ;;
  *) echo "Usage: ./bench.sh [--storage postgres|azurite] [--separate-gateway] | --scale [--storage ...] | --profile [--scenario pin|validation] [--storage ...] [--separate-gateway]" >&2; exit 2 ;;
  esac
done
[[ "$store" == azurite || "$store" == postgres ]] || { echo "--storage takes postgres or azurite." >&2; exit 2; }

ensure_dotnet
if [[ "$store" == postgres ]]; then ensure_postgres; else ensure_azurite; fi

seconds="${BENCH_SECONDS:-15}"
warmup="${BENCH_WARMUP:-3}"
memory_accounts="${BENCH_MEMORY_ACCOUNTS:-10000}"
only="${BENCH_ONLY:-}"
work="$ROOT/.local/bench"
# The peer's HTTP port; its PostgreSQL is the Debian package's own cluster (5432 unless configured otherwise), apart
# from PinOrleans' private clusters (run.sh 55432, bench-scale.sh 55434; tests take free ports).
table_port=10102 silo_port=11212 gateway_port=30102 api_port=5190 ceiling_port=5191 peer_port=5193 postgres_port=55435
store_port=$table_port
[[ "$store" == azurite ]] || store_port=$postgres_port

build_release
require_free_ports "another bench.sh?" $store_port $silo_port $gateway_port $api_port $ceiling_port
[[ "$store" == azurite ]] || stop_postgres "$work/postgres" 2>/dev/null || true
fresh_cluster_workdir "$work" "$table_port"
provider=AzureTable
if [[ "$store" == postgres ]]; then
  chmod 711 "$ROOT/.local" "$work" # the postgres OS user runs the server in $work/postgres
  postgres_password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  storage="$(postgres_connection_string "$postgres_port" "$postgres_password")"
  provider=PostgreSQL
fi
bin() { echo "$ROOT/src/$1/bin/Release/net10.0"; }

pids=()
peer_started=""
stop_peer() {
  [[ -z "$peer_started" ]] || "$peer_dir/stop-peer.sh" >>"$work/peer.log" 2>&1 || true
  peer_started=""
}
# Interrupted: stop (130); any exit stops the children and the peer.
stop_store() { [[ "$store" == azurite ]] || stop_postgres "$work/postgres" || true; }
trap 'trap - EXIT; stop_children; stop_peer; stop_store' EXIT
trap 'exit 130' INT TERM

# The stock peer: where it is (PEER_DIR, else ../shared beside this checkout or beside the main checkout of this
# worktree), whether this run needs it, then run-peer.sh (PostgreSQL up, fresh database, Release build, ready).
find_peer_dir() {
  local common
  [[ -z "${PEER_DIR+set}" ]] || { echo "$PEER_DIR"; return; }
  common="$(cd "$ROOT" && cd "$(git rev-parse --git-common-dir 2>/dev/null || echo .git)" 2>/dev/null && pwd)" || common="$ROOT/.git"
  for dir in "$ROOT/../shared/bench/peer-identity" "$(dirname "$common")/../shared/bench/peer-identity"; do
    [[ -x "$dir/run-peer.sh" ]] && { (cd "$dir" && pwd); return; }
  done
  echo "$ROOT/../shared/bench/peer-identity"
}
peer_dir="$(find_peer_dir)"
peer_args=()
peer_skip=""
if [[ "${BENCH_PEER:-1}" == 0 ]]; then
  peer_skip="BENCH_PEER=0"
elif [[ -n "$only" ]] && ! tr ',' '\n' <<<"$only" | grep -qxE ' *(pin|validation|flood|mix|race) *'; then
  peer_skip="BENCH_ONLY=$only: no scenario the peer runs"
elif [[ ! -x "$peer_dir/run-peer.sh" ]]; then
  peer_skip="not found at $peer_dir; set PEER_DIR"
fi
if [[ -n "$peer_skip" ]]; then
  echo "Stock peer: left out ($peer_skip)."
  peer_args=(--peer-skipped "$peer_skip")
else
  # run-peer.sh starts the peer with fixed bench credentials; they are read from it, not repeated here.
  peer_key="$(sed -n 's/^api_key=//p' "$peer_dir/run-peer.sh")"
  peer_secret="$(sed -n 's/^api_secret=//p' "$peer_dir/run-peer.sh")"
  [[ -n "$peer_key" && -n "$peer_secret" ]] || { echo "Cannot read the peer's API key and secret from $peer_dir/run-peer.sh." >&2; exit 1; }
  require_free_ports "another bench.sh, or a peer left running (stop-peer.sh)?" $peer_port
  if [[ -f /tmp/peer-identity.pid ]] && kill -0 "$(cat /tmp/peer-identity.pid)" 2>/dev/null; then
    echo "A stock peer is already running (pid $(cat /tmp/peer-identity.pid)); stop it with $peer_dir/stop-peer.sh first." >&2
    exit 1
  fi
  if compgen -G "/etc/postgresql/*/main" >/dev/null; then
    pg_version="$(ls /etc/postgresql | sort -V | tail -1)"
    pg_port="$(pg_conftool -s "$pg_version" main show port 2>/dev/null || echo 5432)"
    if ! pg_ctlcluster "$pg_version" main status >/dev/null 2>&1 && (echo >"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; then
      echo "Port $pg_port, the peer's PostgreSQL ($pg_version/main), is taken by something else; stop it first." >&2
      exit 1
    fi
  fi
  echo "Starting the stock peer ($peer_dir) on 127.0.0.1:$peer_port ..."
  peer_started=1
  Logging__LogLevel__Default=Warning "$peer_dir/run-peer.sh" "http://127.0.0.1:$peer_port" >>"$work/peer.log" 2>&1 \
    || { tail -20 "$work/peer.log" >&2; echo "The stock peer did not start (log: ${work#"$ROOT/"}/peer.log)." >&2; exit 1; }
  pg_version="$(ls /etc/postgresql | sort -V | tail -1)"
  pg_data="$(pg_conftool -s "$pg_version" main show data_directory)"
  peer_args=(--peer "http://127.0.0.1:$peer_port" --peer-apikey "$peer_key" --peer-secret "$peer_secret"
    --peer-pids "peer=$(cat /tmp/peer-identity.pid),postgres=$(head -1 "$pg_data/postmaster.pid")")
fi

# Silo and gateway as in production: the bench tenant, its own cluster, logs at Warning.
export Cluster__ClusterId=pinorleans-bench Cluster__ServiceId=pinorleans-bench
export Cluster__SiloPort=$silo_port Cluster__GatewayPort=$gateway_port
export Storage__Provider=$provider Storage__ConnectionString="$storage" Hashing__PepperFile="$work/pepper.key"
export Bootstrap__Tenant__ApiKey="$key" Bootstrap__Tenant__ApiSecret="$secret" Bootstrap__Tenant__Name=Bench
export Logging__LogLevel__Default=Warning DOTNET_ENVIRONMENT=Production

if [[ "$store" == postgres ]]; then
  # Debian's PostgreSQL with its own defaults, in a fresh private cluster: the store the stock peer runs on.
  start_postgres "$work/postgres" "$postgres_port" "$postgres_password"
  store_pids="postgres=$(head -1 "$work/postgres/postmaster.pid")"
else
  mapfile -t flags < <(azurite_flags)
  # In-memory Azurite: its disk persistence rewrites the whole database every few seconds, CPU no real Azure
  # Table storage would take from these cores (the bench needs no data after it ends).
  start INT "$AZURITE_TABLE" --tableHost 127.0.0.1 --tablePort "$table_port" --inMemoryPersistence "${flags[@]}"
  store_pids="azurite=$last_pid"
  wait_for_port 127.0.0.1 "$table_port" 30 Azurite
fi

start_silo() {
  start TERM dotnet "$(bin Silo)/PinOrleans.Silo.dll" --contentRoot "$(bin Silo)" "$@"
  silo_pid=$last_pid
  wait_for_port 127.0.0.1 "$gateway_port" 90 "The silo"
  sleep 2 # the bootstrap tenant is written right after the silo opens its gateway
}

if [[ "$hosting" == cohosted ]]; then
  # One process, as the stock peer is: the gateway hosts the silo (Cluster:HostSilo).
  start TERM env ASPNETCORE_URLS="http://127.0.0.1:$api_port" Cluster__HostSilo=true dotnet "$(bin Gateway)/PinOrleans.Gateway.dll" --contentRoot "$(bin Gateway)"
  gateway_pid=$last_pid silo_pid=$last_pid
  service_pids="silo=$silo_pid"
  setup="one process (the gateway hosting the silo)"
else
  start_silo
  start TERM env ASPNETCORE_URLS="http://127.0.0.1:$api_port" dotnet "$(bin Gateway)/PinOrleans.Gateway.dll" --contentRoot "$(bin Gateway)"
  gateway_pid=$last_pid
  service_pids="silo=$silo_pid,gateway=$gateway_pid"
  setup="a silo and a gateway, each a process of its own"
fi
# The service's processes by name, for ./bench.sh --profile (which attaches to these, not to another PinOrleans running).
echo "$service_pids,$store_pids" >"$work/service.pids"
if [[ "$store" == postgres ]]; then setup+=", on PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (a private cluster with Debian's defaults)"
else setup+=", on Azurite $(cat "$ROOT/.tools/azurite/node_modules/azurite/package.json" 2>/dev/null | sed -n 's/.*"version": "\([^"]*\)".*/\1/p' | head -1) (in memory)"; fi
start TERM dotnet "$(bin Bench)/PinOrleans.Bench.dll" http-ceiling --urls "http://127.0.0.1:$ceiling_port"
ceiling_pid=$last_pid
for ((t = 0; t < 240; t++)); do curl -fs "http://127.0.0.1:$api_port/health/ready" >/dev/null 2>&1 && break; sleep 0.25; done
curl -fs "http://127.0.0.1:$api_port/health/ready" >/dev/null || { echo "The gateway did not become ready." >&2; exit 1; }
wait_for_port 127.0.0.1 "$ceiling_port" 30 "The HTTP ceiling endpoint"

bench() { dotnet "$(bin Bench)/PinOrleans.Bench.dll" "$1" --apikey "$key" --secret "$secret" --storage "$storage" --provider "$provider" --cluster pinorleans-bench --out "$work" "${@:2}"; }

bench run --api "http://127.0.0.1:$api_port" --ceiling "http://127.0.0.1:$ceiling_port" --seconds "$seconds" --warmup "$warmup" \
  ${only:+--only "$only"} --pids "$service_pids,$store_pids,ceiling=$ceiling_pid" --setup "$setup" "${peer_args[@]}"

stop_peer
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
