# Sourced by ./tandem, scripts/test.sh and .ci/run: sets JAVA (a java of at least 21) and exports JAVA_HOME.
# Looks at JAVA_HOME, then java on the PATH, then the JDKs under /usr/lib/jvm; prefers JAVA_HOME when new enough,
# otherwise the newest found.
tandem_min_java=21

tandem_java_version() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

tandem_find_java() {
  local candidates=() best="" best_version=0 c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for c in /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /usr/local/*/bin/java; do [ -x "$c" ] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    [ -x "$c" ] && [ -f "$(dirname "$c")/javac" ] || continue   # a JDK, not a JRE: Tandem compiles itself
    v="$(tandem_java_version "$c")"
    [ -n "$v" ] || continue
    if [ "$c" = "${JAVA_HOME:-}/bin/java" ] && [ "$v" -ge "$tandem_min_java" ]; then best="$c"; best_version="$v"; break; fi
    if [ "$v" -gt "$best_version" ]; then best="$c"; best_version="$v"; fi
  done
  if [ "$best_version" -lt "$tandem_min_java" ]; then
    echo "tandem: no JDK $tandem_min_java or newer found (looked at JAVA_HOME, java on the PATH and /usr/lib/jvm); install one or set JAVA_HOME" >&2
    return 3
  fi
  JAVA="$best"
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$JAVA")")")"
  export JAVA_HOME
}
