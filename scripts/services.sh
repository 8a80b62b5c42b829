# Services that some test suites talk to, started on loopback when they are not running. Sourced by test.sh.
#   tandem_ensure_redis   Redis on 127.0.0.1:6379 (the guestbook example's tests), installed from Debian's
#                         packages when the machine lacks it and may install them
#   tandem_ensure_nats    NATS with JetStream on 127.0.0.1:4222 (the message queue trigger tests; they also start
#                         nats-server processes of their own), installed from Debian's nats-server when missing
#   tandem_ensure_prometheus  promtool and prometheus for the metrics tests (each test starts its own prometheus
#                         on a free loopback port), installed from Debian's prometheus package when missing

tandem_redis_up() {
  (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null
}

tandem_ensure_redis() {
  tandem_redis_up && return 0
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "test.sh: installing redis-server from Debian's packages" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null || true
    fi
    if ! command -v redis-server >/dev/null; then
      echo "test.sh: the guestbook tests need Redis on 127.0.0.1:6379: install redis-server, or start one there" >&2
      return 1
    fi
  fi
  echo "test.sh: starting redis-server on 127.0.0.1:6379 (nothing kept on disk)" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do tandem_redis_up && return 0; sleep 0.1; done
  echo "test.sh: Redis did not answer on 127.0.0.1:6379 after it was started" >&2
  return 1
}

tandem_ensure_prometheus() {
  command -v promtool >/dev/null && command -v prometheus >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing prometheus (and promtool) from Debian's packages" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) >/dev/null || true
    # The package's own daemon (on 9090, where systemd runs) is not what the tests use: they start their own.
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
  fi
  if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
    echo "test.sh: promtool and prometheus are missing: the metrics tests that run them are skipped (apt-get install prometheus)" >&2
  fi
  return 0
}

# The console's browser test: Debian's chromium, and playwright-core from npm (its lock file) in
# platform/src/test/console. The test fails, saying so, when either is missing.
tandem_ensure_browser() {
  if [ ! -x /usr/bin/chromium ] || ! command -v npm >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "test.sh: installing chromium (and node/npm when missing) from Debian's packages for the console test" >&2
      local pkgs="chromium"
      command -v npm >/dev/null || pkgs="$pkgs nodejs npm"
      # shellcheck disable=SC2086
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs) >/dev/null || true
    fi
  fi
  [ -x /usr/bin/chromium ] || echo "test.sh: /usr/bin/chromium is missing: the console's browser test will fail (apt-get install chromium)" >&2
  local dir="$root/platform/src/test/console"
  if [ ! -d "$dir/node_modules/playwright-core" ] && command -v npm >/dev/null; then
    echo "test.sh: installing playwright-core for the console test (npm ci)" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2 || true
  fi
  return 0
}

tandem_nats_up() {
  (exec 3<>/dev/tcp/127.0.0.1/4222 && head -c 4 <&3 | grep -q INFO) 2>/dev/null
}

tandem_ensure_nats() {
  if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "test.sh: installing nats-server from Debian's packages" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server) >/dev/null || true
    fi
  fi
  tandem_nats_up && return 0
  local nats
  nats="$(command -v nats-server || echo /usr/sbin/nats-server)"
  if [ ! -x "$nats" ]; then
    echo "test.sh: the message queue trigger tests need NATS with JetStream on 127.0.0.1:4222: install nats-server, or start one there" >&2
    return 1
  fi
  local store="${TMPDIR:-/tmp}/tandem-nats"
  echo "test.sh: starting nats-server with JetStream on 127.0.0.1:4222 (store $store)" >&2
  mkdir -p "$store"
  setsid "$nats" -a 127.0.0.1 -p 4222 -js -sd "$store" -l "$store/nats-server.log" >/dev/null 2>&1 < /dev/null &
  for _ in $(seq 1 50); do tandem_nats_up && return 0; sleep 0.1; done
  echo "test.sh: NATS did not answer on 127.0.0.1:4222 after it was started" >&2
  return 1
}
