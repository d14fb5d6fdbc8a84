# Shared by run.sh and test.sh: installs the project's own tools and reads azurite.json.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

azurite_setting() {
  node -p "require('$ROOT/azurite.json')['$1']"
}

# The well-known Azurite development account (public, documented by Microsoft; not a secret).
azurite_connection_string() {
  local host port
  host="$(azurite_setting tableHost)"
  port="${1:-$(azurite_setting tablePort)}"
  echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://$host:$port/devstoreaccount1;"
}

# Installs the pinned Azurite from npm into the git-ignored tools folder (once).
ensure_azurite() {
  command -v node >/dev/null || { echo "Node.js is required (for Azurite)." >&2; exit 1; }
  local version dir installed
  version="$(azurite_setting version)"
  dir="$ROOT/$(azurite_setting installDir)"
  installed="$(node -p "try { require('$dir/node_modules/azurite/package.json').version } catch { '' }")"
  if [[ "$installed" != "$version" ]]; then
    echo "Installing Azurite $version into $dir ..."
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "azurite@$version" >/dev/null
  fi
  AZURITE_TABLE="$dir/node_modules/.bin/azurite-table"
  export AZURITE_TABLE
}

# smtp4dev, the development mail catcher run.sh sends forgot-PIN e-mails to (a .NET tool, pinned).
SMTP4DEV_VERSION=3.15.0
ensure_smtp4dev() {
  local dir="$ROOT/.tools/smtp4dev"
  if [[ ! -x "$dir/smtp4dev" || "$(cat "$dir/.version" 2>/dev/null)" != "$SMTP4DEV_VERSION" ]]; then
    echo "Installing smtp4dev $SMTP4DEV_VERSION into $dir ..."
    rm -rf "$dir"
    dotnet tool install Rnwood.Smtp4dev --version "$SMTP4DEV_VERSION" --tool-path "$dir" >/dev/null
    echo "$SMTP4DEV_VERSION" >"$dir/.version"
  fi
  SMTP4DEV="$dir/smtp4dev"
  export SMTP4DEV
}

# The official LoginRadius Node SDK, pinned, for the compatibility test (tests/.../Compatibility).
LOGINRADIUS_SDK_VERSION=11.7.0
ensure_loginradius_sdk() {
  local dir="$ROOT/.tools/loginradius-sdk" installed
  installed="$(node -p "try { require('$dir/node_modules/loginradius-sdk/package.json').version } catch { '' }")"
  if [[ "$installed" != "$LOGINRADIUS_SDK_VERSION" ]]; then
    echo "Installing loginradius-sdk $LOGINRADIUS_SDK_VERSION into $dir ..."
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "loginradius-sdk@$LOGINRADIUS_SDK_VERSION" >/dev/null
  fi
}

# The flags of azurite.json, one per line.
azurite_flags() {
  node -e "for (const f of require('$ROOT/azurite.json').flags) console.log(f)"
}

ensure_dotnet() {
  command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required." >&2; exit 1; }
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

# Stops the children recorded in the array "pids" ("pid signal" each), the last started first: its signal, up to
# 30 s for it to exit, then KILL.
stop_children() {
  local i pid signal t
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    read -r pid signal <<<"${pids[$i]}"
    kill -s "$signal" "$pid" 2>/dev/null || true
    for ((t = 0; t < 120; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

# start SIGNAL command...: runs a child in its own session (output appended to $CHILD_LOG when set), records it
# in "pids" for stop_children with the signal that stops it cleanly, and leaves its pid in last_pid.
start() {
  local signal="$1"
  shift
  if [[ -n "${CHILD_LOG:-}" ]]; then setsid "$@" >>"$CHILD_LOG" 2>&1 & else setsid "$@" & fi
  pids+=("$! $signal")
  last_pid=$!
}

# stop_pid PID: TERM, up to 60 s for it to exit, then KILL.
stop_pid() {
  local pid="$1" t
  kill -TERM "$pid" 2>/dev/null || true
  for ((t = 0; t < 240; t++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
}

wait_for_port() {
  local host="$1" port="$2" seconds="$3" name="$4" i
  for ((i = 0; i < seconds * 4; i++)); do
    if (echo >"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.25
  done
  echo "$name did not open $host:$port within ${seconds}s." >&2
  return 1
}

# Builds the solution (Release); prints the compiler's errors and exits when it fails.
build_release() {
  local output
  echo "Building (Release) ..."
  output="$(dotnet build "$ROOT/PinOrleans.sln" -c Release -nologo -v quiet -clp:ErrorsOnly 2>&1)" || { echo "$output" >&2; exit 1; }
}

# Exits when one of the given loopback ports is taken: require_free_ports "hint" PORT...
require_free_ports() {
  local hint="$1" port
  shift
  for port in "$@"; do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "Port $port is already in use ($hint); stop it first." >&2
      exit 1
    fi
  done
}

# A fresh private work folder for a throw-away cluster (bench, drill) with its own pepper, tenant key and secret:
# sets work, key, secret and storage (the connection string of an Azurite on the given table port).
fresh_cluster_workdir() {
  work="$1"
  rm -rf "$work"
  mkdir -p "$work"
  chmod 700 "$work"
  head -c 32 /dev/urandom | base64 >"$work/pepper.key"
  key="$(cat /proc/sys/kernel/random/uuid)"
  secret="$(cat /proc/sys/kernel/random/uuid)"
  storage="$(azurite_connection_string "$2")"
}

# PostgreSQL: Debian's own package (apt-get install postgresql, once), run as a private cluster of the postgres OS
# user (root may not run initdb or postgres): its data folder where the caller says, listening on 127.0.0.1 only,
# the superuser reachable only through the data folder's socket (peer), a role and database "pinorleans" with a
# password over TCP (scram-sha-256). Sets PG_BIN.
ensure_postgres() {
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [[ -z "$PG_BIN" || ! -x "$PG_BIN/initdb" ]]; then
    echo "Installing PostgreSQL (Debian's postgresql package) ..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  export PG_BIN
}

# The Npgsql connection string of the pinorleans role: postgres_connection_string PORT PASSWORD. A process's
# Orleans providers share one pool of at most 32 connections (Npgsql's default, 100, is the server's whole
# max_connections: one busy silo would leave none for the others).
postgres_connection_string() {
  echo "Host=127.0.0.1;Port=$1;Database=pinorleans;Username=pinorleans;Password=$2;Maximum Pool Size=32"
}

# Starts the private cluster in DIR on PORT (creating it, the role and the database on first use) and waits until
# it answers: start_postgres DIR PORT PASSWORD. The password is kept in DIR/../ by the caller, not here.
# POSTGRES_OPTIONS adds server settings (for example "-c shared_buffers=2GB").
start_postgres() {
  local dir="$1" port="$2" password="$3"
  if [[ ! -s "$dir/PG_VERSION" ]]; then
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; return 1; }
  fi
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -s \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir ${POSTGRES_OPTIONS:-}" start \
    || { tail -20 "$dir/server.log" >&2; return 1; }
  runuser -u postgres -- "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA \
    -v password="$password" >/dev/null <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pinorleans') AS missing \gset
\if :missing
CREATE ROLE pinorleans LOGIN;
\endif
ALTER ROLE pinorleans PASSWORD :'password';
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'pinorleans') AS missing \gset
\if :missing
CREATE DATABASE pinorleans OWNER pinorleans;
\endif
SQL
}

# Stops the private cluster in DIR: fast shutdown (open transactions rolled back, committed ones already on disk).
stop_postgres() {
  [[ -s "$1/postmaster.pid" ]] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$1" -m fast -w -t 60 -s stop
}

# Chromium for the hosted page's browser tests: Debian's own package (apt-get install chromium, once), driven
# headless by Playwright for .NET over its system executable (Playwright's own browser download is never used).
ensure_chromium() {
  if [[ ! -x /usr/bin/chromium ]]; then
    echo "Installing Chromium (Debian's chromium package) ..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  CHROMIUM=/usr/bin/chromium
  export CHROMIUM
}
