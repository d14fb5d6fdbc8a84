#!/usr/bin/env bash
# Runs PinOrleans locally: Azurite (Azure Table storage), one silo and the gateway, with a demo tenant.
# Ctrl-C stops everything cleanly; data lives in .local/ and survives a restart.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$ROOT"

ensure_dotnet
ensure_azurite
ensure_smtp4dev

echo "Building (Release) ..."
dotnet build PinOrleans.sln -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null

mkdir -p .local
chmod 700 .local
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
export Bootstrap__Tenant__Name="${Bootstrap__Tenant__Name:-Demo}"
# The demo tenant asks for a PIN at the first password login, and its reset links open the application's page.
export Bootstrap__Tenant__Pin__IsRequired="${Bootstrap__Tenant__Pin__IsRequired:-true}"
export Bootstrap__Tenant__Recovery__ResetPinUrl="${Bootstrap__Tenant__Recovery__ResetPinUrl:-http://localhost:3000/reset-pin}"

# Forgot-PIN e-mail goes to smtp4dev (read it in a browser); SMS and voice OTPs to a file outbox.
mail_smtp_port="${MAIL_SMTP_PORT:-2525}"
mail_web="http://127.0.0.1:${MAIL_WEB_PORT:-5081}"
export Email__Host="${Email__Host:-127.0.0.1}" Email__Port="${Email__Port:-$mail_smtp_port}" Email__Security="${Email__Security:-None}"
export Sms__Provider="${Sms__Provider:-File}" Sms__OutboxFile="${Sms__OutboxFile:-$ROOT/.local/sms-outbox.jsonl}" Sms__VoiceEnabled="${Sms__VoiceEnabled:-true}"

table_port="$(azurite_setting tablePort)"
storage="$(azurite_connection_string "$table_port")"
export Storage__ConnectionString="$storage"
export DOTNET_ENVIRONMENT="${DOTNET_ENVIRONMENT:-Development}"
urls="${ASPNETCORE_URLS:-http://127.0.0.1:5080}"
api="${urls%%;*}"
api="${api/0.0.0.0/127.0.0.1}"
api="${api/\*/127.0.0.1}"
api="${api/+/127.0.0.1}"

port_of() { local rest="${1##*:}"; echo "${rest%%/*}"; }
for port in "$table_port" "${Cluster__SiloPort:-11111}" "${Cluster__GatewayPort:-30000}" "$(port_of "$api")" "$mail_smtp_port" "$(port_of "$mail_web")"; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is already in use (another PinOrleans or Azurite running?); stop it first." >&2
    exit 1
  fi
done

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "Stopping ..."
  # Gateway and silo first (SIGTERM: graceful shutdown, the silo leaves the cluster), Azurite last with SIGINT:
  # on SIGTERM it would lose its last seconds of writes.
  stop_children
  echo "Stopped."
  exit 0
}
trap stop_all INT TERM EXIT

mapfile -t flags < <(azurite_flags)
mkdir -p "$(azurite_setting location)"
# Each child runs in its own session, so Ctrl-C reaches only this script, which stops them in order.
setsid "$AZURITE_TABLE" --tableHost "$(azurite_setting tableHost)" --tablePort "$table_port" \
  --location "$ROOT/$(azurite_setting location)" "${flags[@]}" &
pids+=("$! INT")
wait_for_port "$(azurite_setting tableHost)" "$table_port" 30 Azurite

# smtp4dev targets an older .NET; it runs on the installed one. Loopback only, messages kept in memory.
DOTNET_ROLL_FORWARD=Major setsid "$SMTP4DEV" --urls="$mail_web" --smtpport="$mail_smtp_port" --bindaddress=127.0.0.1 \
  --imapport=0 --pop3port=0 --db= --nousersettings --hostname=localhost --baseappdatapath="$ROOT/.local/smtp4dev" >"$ROOT/.local/smtp4dev.log" 2>&1 &
pids+=("$! TERM")
wait_for_port 127.0.0.1 "$mail_smtp_port" 60 smtp4dev

setsid dotnet src/Silo/bin/Release/net10.0/PinOrleans.Silo.dll --contentRoot "$ROOT/src/Silo/bin/Release/net10.0" &
pids+=("$! TERM")
wait_for_port 127.0.0.1 "${Cluster__GatewayPort:-30000}" 90 "The silo"

ASPNETCORE_URLS="$urls" setsid dotnet src/Gateway/bin/Release/net10.0/PinOrleans.Gateway.dll --contentRoot "$ROOT/src/Gateway/bin/Release/net10.0" &
pids+=("$! TERM")
gateway_pid="${pids[-1]%% *}"
for ((t = 0; t < 240; t++)); do
  kill -0 "$gateway_pid" 2>/dev/null || { echo "The gateway exited." >&2; exit 1; }
  curl -fs "$api/health/ready" >/dev/null 2>&1 && break
  sleep 0.25
done
curl -fs "$api/health/ready" >/dev/null || { echo "The gateway did not become ready at $api." >&2; exit 1; }

key="${Bootstrap__Tenant__ApiKey}"
secret="${Bootstrap__Tenant__ApiSecret:-<your API secret>}"
cat <<TXT

PinOrleans is running at $api   (tenant '${Bootstrap__Tenant__Name}', API key $key)
Forgot-PIN e-mails: $mail_web (smtp4dev)   SMS/voice OTPs: ${Sms__OutboxFile}
Press Ctrl-C to stop. Data is kept in .local/ between runs.

A first PIN login, ready to paste into another terminal:

API=$api
KEY=$key
SECRET=$secret
EMAIL="demo-\$(date +%s)@example.com"
# 1. Create an account with a password and a PIN (management API: API key + secret)
curl -s -X POST "\$API/identity/v2/manage/account?apikey=\$KEY" -H "X-LoginRadius-ApiSecret: \$SECRET" \\
  -H "Content-Type: application/json" \\
  -d "{\\"Email\\":[{\\"Type\\":\\"Primary\\",\\"Value\\":\\"\$EMAIL\\"}],\\"Password\\":\\"correct-horse-42\\",\\"PINInfo\\":{\\"PIN\\":\\"7890\\"}}"; echo
# 2. Log in with the password: the answer carries a PIN session token
SESSION=\$(curl -s -X POST "\$API/identity/v2/auth/login?apikey=\$KEY" -H "Content-Type: application/json" \\
  -d "{\\"email\\":\\"\$EMAIL\\",\\"password\\":\\"correct-horse-42\\"}" | grep -o '"session_token":"[^"]*"' | cut -d'"' -f4)
echo "session_token=\$SESSION"
# 3. Log in with the PIN
curl -s -X POST "\$API/identity/v2/auth/login/pin?apikey=\$KEY&session_token=\$SESSION" \\
  -H "Content-Type: application/json" -d '{"pin":"7890"}'; echo

TXT

wait -n || true
echo "A process exited unexpectedly; shutting down." >&2
exit 1
