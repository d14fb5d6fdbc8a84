#!/usr/bin/env bash
# ./bench.sh --profile [--scenario pin|validation] [--storage postgres|azurite] [--separate-gateway]: where the CPU of a
# PIN login (or of an access-token validation) goes. Runs that scenario of ./bench.sh (BENCH_ONLY=pin or validation, no
# peer, no memory step) with the runtime's perf map on, and while
# it runs records CPU-clock samples with call stacks of the service's processes and its store (Linux perf, from
# Debian's linux-perf, installed here where missing), then sorts them by component (PinOrleans.Bench profile-report).
# Writes bench/results/profile-<store>-<hosting>.md (profile-validation-<store>-<hosting>.md). Settings (environment):
#   BENCH_PROFILE_SECONDS (20)   seconds recorded, inside a scenario of that plus 10 s, after a 45 s warm-up
#   BENCH_PROFILE_HZ (499)       samples per second and thread
# perf's sampling costs a few per cent of CPU; the throughput of this run is not the published one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

args=()
store=postgres hosting=cohosted scenario=pin
while [[ $# -gt 0 ]]; do
  case "$1" in
  --profile) shift ;;
  --scenario)
    scenario="${2:?--scenario needs pin or validation}"
    [[ "$scenario" == pin || "$scenario" == validation ]] || { echo "--scenario takes pin or validation" >&2; exit 2; }
    shift 2 ;;
  --storage) store="${2:?--storage needs postgres or azurite}"; args+=("$1" "$2"); shift 2 ;;
  --separate-gateway) hosting=separate; args+=("$1"); shift ;;
  *) echo "Usage: ./bench.sh --profile [--scenario pin|validation] [--storage postgres|azurite] [--separate-gateway]" >&2; exit 2 ;;
  esac
done
seconds="${BENCH_PROFILE_SECONDS:-20}"
hz="${BENCH_PROFILE_HZ:-499}"

if ! command -v perf >/dev/null; then
  echo "Installing Linux perf (Debian's linux-perf package) ..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null
fi
# perf may sample other processes of this user only when the kernel lets it (root may; else perf_event_paranoid <= 1).
work="$ROOT/.local/bench-profile"
rm -rf "$work"
mkdir -p "$work"
log="$work/bench.log"

# JIT-compiled frames get names only through the runtime's perf map, and only without W^X double mapping.
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
# A warm-up for the JIT: tiered compilation still promotes methods in a young process (the silo's first minute, in
# which every login writes its statistics, the bench waits out itself before it measures).
warmup=45
BENCH_ONLY=$scenario BENCH_PEER=0 BENCH_MEMORY_ACCOUNTS=0 BENCH_SECONDS=$((seconds + 10)) BENCH_WARMUP=$warmup \
  "$ROOT/bench.sh" "${args[@]}" >"$log" 2>&1 &
bench_pid=$!
trap 'kill -INT "$bench_pid" 2>/dev/null || true' INT TERM

# The scenario starts right after the wait for quiet that follows the seeding; the samples start once its warm-up is over.
# Validation follows the PIN login scenario (which hands out the tokens it validates): it starts once that one has printed.
if [[ "$scenario" == pin ]]; then
  scenario_started() { awk '/^Seeded /{seeded=1} seeded && /go quiet/{found=1} END{exit !found}' "$log" 2>/dev/null; }
else
  scenario_started() { awk '/^Seeded /{seeded=1} seeded && /^PinOrleans: all/{found=1} END{exit !found}' "$log" 2>/dev/null; }
fi
for ((t = 0; t < 1200; t++)); do
  scenario_started && break
  kill -0 "$bench_pid" 2>/dev/null || { tail -20 "$log" >&2; echo "./bench.sh ended before the $scenario scenario (log: ${log#"$ROOT/"})." >&2; exit 1; }
  sleep 0.5
done
sleep $((warmup + 3))

# The processes bench.sh started (name=pid pairs it wrote), not any other PinOrleans or store on this machine.
pid_of() { tr ',' '\n' <"$ROOT/.local/bench/service.pids" | sed -n "s/^$1=//p" | head -1; }
if [[ "$hosting" == separate ]]; then
  pids="silo=$(pid_of silo),gateway=$(pid_of gateway)"
  recorded=("$(pid_of silo)" "$(pid_of gateway)")
else
  pids="service=$(pid_of silo)"
  recorded=("$(pid_of silo)")
fi
if [[ "$store" == postgres ]]; then
  postmaster="$(pid_of postgres)"
  # The server's processes: the postmaster and its backends (the silo's pooled connections, open by now).
  mapfile -t backends < <(pgrep -P "$postmaster")
  store_pids=("$postmaster" "${backends[@]}")
  pids+=",$(printf 'postgres=%s,' "${store_pids[@]}" | sed 's/,$//')"
  recorded+=("${store_pids[@]}")
else
  pids+=",azurite=$(pid_of azurite)"
  recorded+=("$(pid_of azurite)")
fi
echo "Recording $seconds s of CPU samples at $hz Hz of ${recorded[*]} ..."
perf record -q -e cpu-clock -F "$hz" -g -p "$(IFS=,; echo "${recorded[*]}")" -o "$work/perf.data" -- sleep "$seconds" 2>>"$work/perf.log"
wait "$bench_pid" || { tail -20 "$log" >&2; echo "./bench.sh failed (log: ${log#"$ROOT/"})." >&2; exit 1; }
perf script -i "$work/perf.data" -F comm,pid,tid,ip,sym,dso >"$work/perf.txt" 2>>"$work/perf.log"

if [[ "$scenario" == pin ]]; then
  out="$ROOT/bench/results/profile-$store-$hosting.md"
  what="a PIN login"
else
  out="$ROOT/bench/results/profile-$scenario-$store-$hosting.md"
  what="an access-token validation"
fi
mkdir -p "$(dirname "$out")"
shown=("${args[@]}")
[[ "$scenario" == pin ]] || shown=(--scenario "$scenario" "${shown[@]}")
setup="$(sed -n 's/^PinOrleans: \(one process.*\|a silo and.*\)\.$/\1/p' "$log" | head -1)"
dotnet "$ROOT/src/Bench/bin/Release/net10.0/PinOrleans.Bench.dll" profile-report --perf-script "$work/perf.txt" \
  --pids "$pids" --frequency "$hz" --seconds "$seconds" --run "$ROOT/.local/bench/run.json" --out "$out" --scenario "$scenario" \
  --heading "Where $what's CPU goes: $setup; $(date -u +%Y-%m-%dT%H:%MZ), \`./bench.sh --profile${shown[*]:+ ${shown[*]}}\`"
# The PIN login scenario prints first, validation second.
grep "^PinOrleans: all" "$log" | sed -n "$([[ "$scenario" == pin ]] && echo 1 || echo 2)p" | sed 's/^/Scenario while recorded: /'
echo "Profile: ${out#"$ROOT/"}"
