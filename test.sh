#!/usr/bin/env bash
# Runs the whole test suite: unit, 3-silo cluster, gateway (WebApplicationFactory), storage tests on Azurite and PostgreSQL,
# and the hosted login page in headless Chromium (Debian's chromium package, installed when missing).
# Ends with a plain "N passed, N failed" line; exits non-zero when anything failed or no test ran.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$ROOT"

ensure_dotnet
ensure_azurite
ensure_postgres
ensure_loginradius_sdk
ensure_chromium

results="$ROOT/TestResults"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build PinOrleans.sln -c Release -nologo -v quiet -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test PinOrleans.sln -c Release --no-build -nologo --logger "trx" --logger "console;verbosity=normal" --results-directory "$results"
status=$?

passed=0
failed=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

# The failed tests again, each with the first lines of its message, so a log that keeps only its end still names them.
if ((failed > 0)); then
  echo "Failed tests:"
  for trx in "$results"/*.trx; do
    awk '
      /<UnitTestResult / && /outcome="Failed"/ {
        name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name)
        gsub(/&quot;/, "\"", name); gsub(/&lt;/, "<", name); gsub(/&gt;/, ">", name); gsub(/&amp;/, "\\&", name)
        print "  " name; inside = 1; lines = 0
      }
      inside && /<Message>/ { msg = 1; sub(/.*<Message>/, "") }
      inside && msg {
        line = $0; done = sub(/<\/Message>.*/, "", line)
        gsub(/&quot;/, "\"", line); gsub(/&lt;/, "<", line); gsub(/&gt;/, ">", line); gsub(/&amp;/, "\\&", line)
        if (lines < 6) print "    " line
        lines++
        if (done) { msg = 0 }
      }
      inside && /<\/UnitTestResult>/ { inside = 0; msg = 0 }
    ' "$trx"
  done
fi

if ((status != 0 && failed == 0)); then failed=1; fi
echo "$passed passed, $failed failed"
((status == 0 && failed == 0 && passed > 0))
