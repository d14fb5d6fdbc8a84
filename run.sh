#!/usr/bin/env bash
# Runs PinOrleans locally: Azurite (Azure Table storage) or PostgreSQL, N silos in one cluster and M gateways, with a
# demo tenant.
#   ./run.sh [--silos N] [--gateways M] [--storage azurite|postgres]      (default 1, 1 and azurite)
# Ctrl-C stops everything cleanly (TERM, a grace period, then KILL); data lives in .local/ and survives a restart.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$ROOT"

silos=1
gateways=1
store=azurite
while (($#)); do
  case "$1" in
    --silos) silos="${2:?--silos needs a number}"; shift 2 ;;
    --gateways) gateways="${2:?--gateways needs a number}"; shift 2 ;;
    --storage) store="${2:?--storage needs azurite or postgres}"; shift 2 ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "Unknown argument: $1 (usage: ./run.sh [--silos N] [--gateways M] [--storage azurite|postgres])" >&2; exit 2 ;;
  esac
done
[[ "$silos" =~ ^[1-9][0-9]?$ && "$gateways" =~ ^[1-9][0-9]?$ ]] || { echo "--silos and --gateways take 1 to 99." >&2; exit 2; }
[[ "$store" == azurite || "$store" == postgres ]] || { echo "--storage takes azurite or postgres." >&2; exit 2; }

ensure_dotnet
if [[ "$store" == postgres ]]; then ensure_postgres; else ensure_azurite; fi
ensure_smtp4dev

build_release

mkdir -p .local
# 711, not 700: the postgres OS user that runs PostgreSQL must pass through to .local/postgres. Nothing in .local can
# be listed by others, and every file in it is created 600 (umask 077).
chmod 711 .local
umask 077

# The pepper keys every PIN and password hash; generated once, never committed.
[[ -s .local/pepper.key ]] || head -c 32 /dev/urandom | base64 >.local/pepper.key
export Hashing__PepperFile="$ROOT/.local/pepper.key"

# The demo tenant: the caller's Bootstrap__Tenant__* if given, else one generated on the first run and kept.
if [[ -z "${Bootstrap__Tenant__ApiKey:-}" ]]; then
  if [[ ! -s .local/demo-tenant.env ]]; then
    key="$(cat /proc/sys/kernel/random/uuid)"
    secret="$(cat /proc/sys/kernel/random/uuid)"
    printf 'Bootstrap__Tenant__ApiKey=%s\nBootstrap__Tenant__ApiSecret=%s\n' "$key" "$secret" >.local/demo-tenant.env
  fi
  set -a
  source .local/demo-tenant.env
  set +a
fi
# The administrator of /dashboard and of pinctl's tenant commands: generated once, kept with the demo tenant.
[[ -s .local/admin.env ]] || printf 'Admin__UserName=admin\nAdmin__Password=%s\n' "$(cat /proc/sys/kernel/random/uuid)" >.local/admin.env
set -a
source .local/admin.env
set +a
export Bootstrap__Tenant__Name="${Bootstrap__Tenant__Name:-Demo}"
# The demo tenant asks for a PIN on its registration form and at the first password login of an account without one;
# its verification and reset links open the application's pages.
export Bootstrap__Tenant__Pin__IsRequired="${Bootstrap__Tenant__Pin__IsRequired:-true}"
export Bootstrap__Tenant__Pin__AskOnRegistration="${Bootstrap__Tenant__Pin__AskOnRegistration:-true}"
export Bootstrap__Tenant__Recovery__ResetPinUrl="${Bootstrap__Tenant__Recovery__ResetPinUrl:-http://localhost:3000/reset-pin}"
export Bootstrap__Tenant__Recovery__ResetPasswordUrl="${Bootstrap__Tenant__Recovery__ResetPasswordUrl:-http://localhost:3000/reset-password}"
export Bootstrap__Tenant__Recovery__VerificationUrl="${Bootstrap__Tenant__Recovery__VerificationUrl:-http://localhost:3000/verify}"
export Bootstrap__Tenant__Recovery__DeleteAccountUrl="${Bootstrap__Tenant__Recovery__DeleteAccountUrl:-http://localhost:3000/delete-account}"
# Pages a request's resetpinurl may name besides that one (AllowedDomains; plain http only for loopback hosts).
export Bootstrap__Tenant__AllowedDomains__0="${Bootstrap__Tenant__AllowedDomains__0:-localhost:3000}"
export Bootstrap__Tenant__AllowedDomains__1="${Bootstrap__Tenant__AllowedDomains__1:-127.0.0.1:3000}"

# Forgot-PIN e-mail goes to smtp4dev (read it in a browser); SMS and voice OTPs to a file outbox.
mail_smtp_port="${MAIL_SMTP_PORT:-2525}"
mail_web="http://127.0.0.1:${MAIL_WEB_PORT:-5081}"
export Email__Host="${Email__Host:-127.0.0.1}" Email__Port="${Email__Port:-$mail_smtp_port}" Email__Security="${Email__Security:-None}"
export Sms__Provider="${Sms__Provider:-File}" Sms__OutboxFile="${Sms__OutboxFile:-$ROOT/.local/sms-outbox.jsonl}" Sms__VoiceEnabled="${Sms__VoiceEnabled:-true}"

if [[ "$store" == postgres ]]; then
  # A private PostgreSQL in .local/postgres (POSTGRES_PORT, 55432), role pinorleans with a password generated once.
  store_port="${POSTGRES_PORT:-55432}"
  [[ -s .local/postgres.env ]] || printf 'POSTGRES_PASSWORD=%s\n' "$(head -c 24 /dev/urandom | base64 | tr -d '/+=')" >.local/postgres.env
  source .local/postgres.env
  export Storage__Provider=PostgreSQL
  export Storage__ConnectionString="$(postgres_connection_string "$store_port" "$POSTGRES_PASSWORD")"
else
  store_port="$(azurite_setting tablePort)"
  export Storage__ConnectionString="$(azurite_connection_string "$store_port")"
fi
# A cluster id of its own for each run (grain state is keyed by the service id, which stays): the membership rows of
# a run that was killed cannot hold up this one's silos, which would otherwise first probe the dead ones.
export Cluster__ClusterId="${Cluster__ClusterId:-dev-$(date +%Y%m%d-%H%M%S)}"
export DOTNET_ENVIRONMENT="${DOTNET_ENVIRONMENT:-Development}"
urls="${ASPNETCORE_URLS:-http://127.0.0.1:5080}"
api="${urls%%;*}"
api="${api/0.0.0.0/127.0.0.1}"
api="${api/\*/127.0.0.1}"
api="${api/+/127.0.0.1}"
# The hosted login page (/auth.aspx) of the gateway: its own origin is allowed too, so that the links of its e-mails
# (verification, reset PIN, reset password) open it again; it returns to the demo application on port 3000.
export Bootstrap__Tenant__AllowedDomains__2="${Bootstrap__Tenant__AllowedDomains__2:-${api#*://}}"
export Bootstrap__Tenant__AllowedDomains__3="${Bootstrap__Tenant__AllowedDomains__3:-localhost:${api##*:}}"
demo_app="${DEMO_APP:-http://127.0.0.1:3000}"

port_of() { local rest="${1##*:}"; echo "${rest%%/*}"; }
# Silo i (from 0): cluster port 11111+i, client gateway port 30000+i, Prometheus metrics on 127.0.0.1:9100+i.
# Gateway j (from 0): the first at $api, the others 100 ports further each (5180, 5280, ...).
silo_port0="${Cluster__SiloPort:-11111}" gateway_port0="${Cluster__GatewayPort:-30000}" metrics_port0="${METRICS_PORT:-9100}"
api_port="$(port_of "$api")"
gateway_url() { if (($1 == 0)); then echo "$api"; else echo "${api%:*}:$((api_port + 100 * $1))"; fi; }
ports=("$store_port" "$mail_smtp_port" "$(port_of "$mail_web")" "$(port_of "$demo_app")")
for ((i = 0; i < silos; i++)); do ports+=("$((silo_port0 + i))" "$((gateway_port0 + i))" "$((metrics_port0 + i))"); done
for ((j = 0; j < gateways; j++)); do ports+=("$(port_of "$(gateway_url "$j")")"); done
require_free_ports "another PinOrleans, Azurite or PostgreSQL running?" "${ports[@]}"

pids=()
stop_all() {
  local status=$?
  trap - INT TERM EXIT
  echo
  echo "Stopping ..."
  # Gateway and silo first (SIGTERM: graceful shutdown, the silo leaves the cluster), Azurite last with SIGINT:
  # on SIGTERM it would lose its last seconds of writes. PostgreSQL (its own daemon) last with a fast shutdown.
  stop_children
  if [[ "$store" == postgres ]]; then stop_postgres "$ROOT/.local/postgres" || true; fi
  echo "Stopped."
  exit "$status"
}
# Ctrl-C or SIGTERM is the normal way to stop (exit 0); any other exit keeps its status. Either way the EXIT trap
# stops the children.
trap stop_all EXIT
trap 'exit 0' INT TERM

declare -A name_of=()
if [[ "$store" == postgres ]]; then
  # The silo creates the PostgreSQL tables on first start; the data stays in .local/postgres.
  start_postgres "$ROOT/.local/postgres" "$store_port" "$POSTGRES_PASSWORD"
else
  mapfile -t flags < <(azurite_flags)
  mkdir -p "$(azurite_setting location)"
  # Each child runs in its own session, so Ctrl-C reaches only this script, which stops them in order.
  setsid "$AZURITE_TABLE" --tableHost "$(azurite_setting tableHost)" --tablePort "$store_port" \
    --location "$ROOT/$(azurite_setting location)" "${flags[@]}" &
  pids+=("$! INT")
  name_of[$!]=Azurite
  wait_for_port "$(azurite_setting tableHost)" "$store_port" 30 Azurite
fi

# smtp4dev targets an older .NET; it runs on the installed one. Loopback only, messages kept in memory.
DOTNET_ROLL_FORWARD=Major setsid "$SMTP4DEV" --urls="$mail_web" --smtpport="$mail_smtp_port" --bindaddress=127.0.0.1 \
  --imapport=0 --pop3port=0 --db= --nousersettings --hostname=localhost --baseappdatapath="$ROOT/.local/smtp4dev" >"$ROOT/.local/smtp4dev.log" 2>&1 &
pids+=("$! TERM")
name_of[$!]=smtp4dev
wait_for_port 127.0.0.1 "$mail_smtp_port" 60 smtp4dev

mkdir -p .local/pids
rm -f .local/pids/*
declare -A silo_pids=()
for ((i = 0; i < silos; i++)); do
  Cluster__SiloPort=$((silo_port0 + i)) Cluster__GatewayPort=$((gateway_port0 + i)) Telemetry__MetricsPort=$((metrics_port0 + i)) \
    setsid dotnet src/Silo/bin/Release/net10.0/PinOrleans.Silo.dll --contentRoot "$ROOT/src/Silo/bin/Release/net10.0" &
  pids+=("$! TERM")
  silo_pids[$!]="silo $i"
  echo "$!" >".local/pids/silo-$i"
  # The first silo founds the cluster; the others join it.
  ((i > 0)) || wait_for_port 127.0.0.1 "$gateway_port0" 90 "The silo"
done
for ((i = 1; i < silos; i++)); do wait_for_port 127.0.0.1 "$((gateway_port0 + i))" 90 "Silo $i"; done

for ((j = 0; j < gateways; j++)); do
  url="$(gateway_url "$j")"
  ASPNETCORE_URLS="$url" setsid dotnet src/Gateway/bin/Release/net10.0/PinOrleans.Gateway.dll --contentRoot "$ROOT/src/Gateway/bin/Release/net10.0" &
  pids+=("$! TERM")
  gateway_pid=$!
  name_of[$!]="Gateway $j ($url)"
  echo "$gateway_pid" >".local/pids/gateway-$j"
  for ((t = 0; t < 240; t++)); do
    kill -0 "$gateway_pid" 2>/dev/null || { echo "The gateway exited." >&2; exit 1; }
    curl -fs "$url/health/ready" >/dev/null 2>&1 && break
    sleep 0.25
  done
  curl -fs "$url/health/ready" >/dev/null || { echo "The gateway did not become ready at $url." >&2; exit 1; }
done

# The demo application behind the hosted page's return_url: its /callback reads ?token= and asks the gateway whose it is.
DEMO_APP="$demo_app" PINORLEANS_API="$api" PINORLEANS_KEY="$Bootstrap__Tenant__ApiKey" setsid node scripts/demo-app.js &
pids+=("$! TERM")
name_of[$!]="The demo application ($demo_app)"
wait_for_port 127.0.0.1 "$(port_of "$demo_app")" 30 "The demo application"

# The README's first PIN login (the first bash block under "## A first PIN login"), with this run's addresses, key
# and secret filled in: one text, so what run.sh prints is what the README shows.
first_login_commands() {
  awk -v api="$api" -v mail="$mail_web" -v key="$1" -v secret="$2" '
    /^## A first PIN login/ { section = 1; next }
    section && /^```bash/ { inside = 1; next }
    inside && /^```/ { exit }
    inside && /^API=/ { print "API=" api "; MAIL=" mail; next }
    inside && /^KEY=/ { print "KEY=" key "; SECRET=" secret; next }
    inside { print }' README.md
}

key="${Bootstrap__Tenant__ApiKey}"
secret="${Bootstrap__Tenant__ApiSecret:-<your API secret>}"
cat <<TXT

PinOrleans is running at $api   (tenant '${Bootstrap__Tenant__Name}', API key $key)
  $silos silo(s) in one cluster (metrics: http://127.0.0.1:$metrics_port0/metrics ...), $gateways gateway(s): $(for ((j = 0; j < gateways; j++)); do printf '%s ' "$(gateway_url "$j")"; done)
  Gateway metrics $api/metrics, dashboard $api/dashboard and admin API (user ${Admin__UserName}, password in .local/admin.env),
  API reference $api/reference (OpenAPI document $api/openapi/v1.json)
Hosted login page (LoginRadius' auth.aspx), returning to the demo application $demo_app:
  $api/auth.aspx?action=login&apikey=$key&return_url=$(node -p 'encodeURIComponent(process.argv[1])' "$demo_app/callback")
  (action=register, forgotpassword, forgotpin work the same; the demo application's home page $demo_app links to them)
E-mails (verification, resets): $mail_web (smtp4dev)   SMS/voice OTPs: ${Sms__OutboxFile}
Storage: $([[ "$store" == postgres ]] && echo "PostgreSQL on 127.0.0.1:$store_port (.local/postgres, role pinorleans, password in .local/postgres.env)" || echo "Azurite on 127.0.0.1:$store_port (.local/azurite)")
Press Ctrl-C to stop. Data is kept in .local/ between runs.

A first PIN login (register, verify the e-mail, log in with the password, then with the PIN), ready to paste
into another terminal; it is the README's, with this tenant's key and secret:

$(first_login_commands "$key" "$secret")

TXT

# A silo that exits (killed on purpose, say) leaves the others running; the cluster carries on without it. Anything
# else exiting, or the last silo, ends the run.
while true; do
  wait -n || true
  for pid in "${!silo_pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "[run.sh] ${silo_pids[$pid]} (pid $pid) exited; $((${#silo_pids[@]} - 1)) silo(s) still running." >&2
      unset "silo_pids[$pid]"
    fi
  done
  ((${#silo_pids[@]} > 0)) || { echo "Every silo has exited; shutting down." >&2; exit 1; }
  for pid in "${!name_of[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "${name_of[$pid]} exited unexpectedly; shutting down." >&2; exit 1; }
  done
done
