#!/usr/bin/env bash
# The failure drill: a fresh store (Azurite on disk, or PostgreSQL with --storage postgres) + three silos + a gateway;
# PIN logins, validations and wrong PINs run for DRILL_SECONDS (90) while it
#   - kills -9 one silo (at 10 s),
#   - stops the store for 20 s (at 45 s: Azurite with SIGINT, PostgreSQL with pg_ctl stop -m fast) and starts it again,
# then reads every account back. Prints a timeline (answers per second) and the verdicts, writes
# .local/drill/drill.md and drill.svg (a chart), and exits non-zero if a rule was broken:
#   every failed request is a LoginRadius-shaped 503 with Retry-After; failures stop within 10 s of the kill and
#   within 30 s of storage coming back (nothing is restarted); while storage is down, requests that need no write
#   (validations, locked accounts' refusals) are served at 90 % or more of their rate before, and requests that need
#   a write are refused within 2 s (p99); nothing acknowledged (logins, locks, sessions, tokens) is lost.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$ROOT"

store=azurite
case "${1:-}" in
  --storage) store="${2:?--storage needs azurite or postgres}" ;;
  "") ;;
  *) echo "Usage: ./drill.sh [--storage azurite|postgres]" >&2; exit 2 ;;
esac
[[ "$store" == azurite || "$store" == postgres ]] || { echo "--storage takes azurite or postgres." >&2; exit 2; }

ensure_dotnet
if [[ "$store" == postgres ]]; then ensure_postgres; else ensure_azurite; fi

seconds="${DRILL_SECONDS:-90}"
kill_at="${DRILL_KILL_AT:-10}"
outage_at="${DRILL_OUTAGE_AT:-45}"
outage_seconds="${DRILL_OUTAGE_SECONDS:-20}"
work="$ROOT/.local/drill"
table_port=10112 postgres_port=55433 silo_port=11321 gateway_port=30211 metrics_port=9201 api_port=5290

build_release
store_port=$table_port
[[ "$store" == azurite ]] || store_port=$postgres_port
require_free_ports "another drill.sh?" $store_port $api_port $((silo_port)) $((silo_port + 1)) $((silo_port + 2)) \
  $((gateway_port)) $((gateway_port + 1)) $((gateway_port + 2)) $((metrics_port)) $((metrics_port + 1)) $((metrics_port + 2))
fresh_cluster_workdir "$work" "$table_port"
mkdir -p "$work/azurite"
if [[ "$store" == postgres ]]; then
  chmod 711 "$work" # the postgres OS user runs the server in $work/postgres
  postgres_password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  storage="$(postgres_connection_string "$postgres_port" "$postgres_password")"
  export Storage__Provider=PostgreSQL
fi
bin() { echo "$ROOT/src/$1/bin/Release/net10.0"; }

export Cluster__ClusterId="drill-$(date +%s)" Cluster__ServiceId=pinorleans-drill
export Storage__ConnectionString="$storage" Hashing__PepperFile="$work/pepper.key"
# Cheaper hashing: the drill is about failures, not hashing cost, and the load generator shares the two cores.
export Hashing__MemoryKiB=4096 Hashing__Iterations=1
export Bootstrap__Tenant__ApiKey="$key" Bootstrap__Tenant__ApiSecret="$secret" Bootstrap__Tenant__Name=Drill
export Logging__LogLevel__Default=Warning DOTNET_ENVIRONMENT=Production

pids=()
# Any exit stops the fault injector and every child (a restarted Azurite last); Ctrl-C or TERM exits with 130.
cleanup() {
  trap - EXIT
  if [[ -n "${faults:-}" ]]; then kill "$faults" 2>/dev/null || true; fi
  if [[ -s "$work/azurite-restarted.pid" ]]; then pids=("$(cat "$work/azurite-restarted.pid") INT" "${pids[@]}"); fi
  stop_children
  if [[ "$store" == postgres ]]; then stop_postgres "$work/postgres" || true; fi
}
trap cleanup EXIT
CHILD_LOG="$work/processes.log"
trap 'exit 130' INT TERM

if [[ "$store" == postgres ]]; then
  start_postgres "$work/postgres" "$postgres_port" "$postgres_password"
else
  mapfile -t flags < <(azurite_flags)
  start INT "$AZURITE_TABLE" --tableHost 127.0.0.1 --tablePort "$table_port" --location "$work/azurite" "${flags[@]}"
  azurite_pid=$last_pid
  wait_for_port 127.0.0.1 "$table_port" 30 Azurite
fi

silo_pids=()
for i in 0 1 2; do
  start TERM env Cluster__SiloPort=$((silo_port + i)) Cluster__GatewayPort=$((gateway_port + i)) Telemetry__MetricsPort=$((metrics_port + i)) \
    dotnet "$(bin Silo)/PinOrleans.Silo.dll" --contentRoot "$(bin Silo)"
  silo_pids+=("$last_pid")
  wait_for_port 127.0.0.1 $((gateway_port + i)) 90 "Silo $i"
done
start TERM env ASPNETCORE_URLS="http://127.0.0.1:$api_port" dotnet "$(bin Gateway)/PinOrleans.Gateway.dll" --contentRoot "$(bin Gateway)"
for ((t = 0; t < 240; t++)); do curl -fs "http://127.0.0.1:$api_port/health/ready" >/dev/null 2>&1 && break; sleep 0.25; done
curl -fs "http://127.0.0.1:$api_port/health/ready" >/dev/null || { echo "The gateway did not become ready." >&2; exit 1; }
sleep 2 # the bootstrap tenant is written right after the silos start

now_ms() { date +%s%3N; }
events="$work/events"
: >"$events"

# The faults run beside the load, timed from the moment the load starts (the drill program writes load-started).
(
  while [[ ! -s "$work/load-started" ]]; do sleep 0.2; done
  sleep "$kill_at"
  kill -9 "${silo_pids[2]}"
  echo "$(now_ms) silo-killed" >>"$events"
  echo "[drill] killed silo 2 (pid ${silo_pids[2]}) with SIGKILL" >&2
  sleep $((outage_at - kill_at))
  # The outage begins with the stop's signal (a store takes no new request while it closes, then takes a moment to exit).
  stopping="$(now_ms)"
  if [[ "$store" == postgres ]]; then
    stop_postgres "$work/postgres"
    echo "$stopping storage-stopped" >>"$events"
    echo "[drill] stopped PostgreSQL (pg_ctl stop -m fast) for $outage_seconds s" >&2
    sleep "$outage_seconds"
    start_postgres "$work/postgres" "$postgres_port" "$postgres_password"
  else
    kill -INT "$azurite_pid"
    for ((t = 0; t < 120; t++)); do kill -0 "$azurite_pid" 2>/dev/null || break; sleep 0.25; done
    echo "$stopping storage-stopped" >>"$events"
    echo "[drill] stopped Azurite with SIGINT for $outage_seconds s" >&2
    sleep "$outage_seconds"
    setsid "$AZURITE_TABLE" --tableHost 127.0.0.1 --tablePort "$table_port" --location "$work/azurite" "${flags[@]}" >>"$work/processes.log" 2>&1 &
    echo "$!" >"$work/azurite-restarted.pid"
    wait_for_port 127.0.0.1 "$table_port" 30 Azurite
  fi
  echo "$(now_ms) storage-started" >>"$events"
  echo "[drill] $store is back" >&2
) &
faults=$!

status=0
dotnet "$(bin Bench)/PinOrleans.Bench.dll" drill --api "http://127.0.0.1:$api_port" --apikey "$key" --secret "$secret" \
  --seconds "$seconds" --events "$events" --out "$work" || status=$?
wait "$faults" || true
echo "Report: .local/drill/drill.md   chart: .local/drill/drill.svg   process logs: .local/drill/processes.log"
exit "$status"
