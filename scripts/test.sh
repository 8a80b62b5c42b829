#!/usr/bin/env bash
# Runs Tandem's whole test suite: unit tests and integration tests that start real servers, agents and
# instances on loopback. Needs a JDK of at least 21 (found by itself), Maven Central, and Redis on 127.0.0.1:6379
# for the guestbook example and NATS with JetStream on 127.0.0.1:4222 for the message queue triggers (each started
# here when it is not running, installed when the machine lacks it), Debian's prometheus package for the metrics
# tests (installed when missing; they are skipped without it), and Debian's chromium with playwright-core from npm
# for the console's browser test (installed when missing).
#   scripts/test.sh [extra Maven arguments, e.g. -Dtest=RouterTest -Dsurefire.failIfNoSpecifiedTests=false]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=find-jdk.sh
. "$root/scripts/find-jdk.sh"
tandem_find_java || exit 3
# shellcheck source=services.sh
. "$root/scripts/services.sh"
tandem_ensure_redis || exit 3
tandem_ensure_nats || exit 3
tandem_ensure_prometheus
tandem_ensure_browser
echo "scripts/test.sh: testing with $JAVA_HOME" >&2
cd "$root"
exec ./mvnw -B -ntp verify "$@"
