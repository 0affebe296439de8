# shellcheck shell=bash
# Sourced by every Ferry script: selects a JDK >= 21 and Maven.
#
#   . scripts/lib/java.sh          # exports JAVA_HOME, PATH (and FERRY_MVN when mvn exists)
#   ferry_require_mvn              # makes sure FERRY_MVN is set (apt-installs maven as root)
#
# JDK choice, first match wins:
#   1. $JAVA_HOME, when it is a JDK (bin/java + bin/javac) of version >= 21;
#   2. the newest JDK >= 21 under /usr/lib/jvm, /opt, /opt/java, /usr/local,
#      $SDKMAN_DIR/candidates/java (default ~/.sdkman) and ~/.jdks.
# The version comes from the JDK's `release` file (no JVM start, so sourcing is cheap);
# only a JDK without that file is asked with `bin/java -version`.
# FERRY_MIN_JAVA (default 21) changes the floor. Nothing is changed on failure: one line on
# stderr and exit 1 (this file is sourced, so the calling script ends).

FERRY_MIN_JAVA=${FERRY_MIN_JAVA:-21}

# ferry_java_version DIR -> prints "MAJOR MINOR PATCH" of the JDK in DIR, or nothing.
ferry_java_version() {
  local d=$1 v=""
  [ -x "$d/bin/java" ] || return 1
  if [ -r "$d/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$d/release" 2>/dev/null)
  fi
  if [ -z "$v" ]; then
    v=$("$d/bin/java" -version 2>&1 | sed -n '1s/^[^"]*"\([^"]*\)".*/\1/p')
  fi
  [ -n "$v" ] || return 1
  v=${v%%[-+]*}                                      # 21.0.5+11-LTS, 25-ea -> 21.0.5, 25
  local f1 f2 f3 f4 rest
  IFS=._ read -r f1 f2 f3 f4 rest <<<"$v"
  if [ "$f1" = 1 ]; then f1=$f2; f2=$f3; f3=$f4; fi   # 1.8.0_392 -> 8 0 392
  case "$f1${f2:-0}${f3:-0}" in *[!0-9]*|'') return 1 ;; esac
  printf '%d %d %d\n' "$f1" "${f2:-0}" "${f3:-0}"
}

# ferry_is_jdk DIR -> true when DIR has java and javac (Maven needs the compiler).
ferry_is_jdk() { [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ]; }

# ferry_find_jdk -> prints the chosen JAVA_HOME, or returns 1.
ferry_find_jdk() {
  local v major minor patch
  if [ -n "${JAVA_HOME:-}" ] && ferry_is_jdk "$JAVA_HOME"; then
    v=$(ferry_java_version "$JAVA_HOME") || v=""
    if [ -n "$v" ] && [ "${v%% *}" -ge "$FERRY_MIN_JAVA" ]; then
      printf '%s\n' "$JAVA_HOME"; return 0
    fi
  fi
  local best="" bestkey=0 d real key seen=" "
  local sdk=${SDKMAN_DIR:-${HOME:-/nonexistent}/.sdkman}
  for d in /usr/lib/jvm/* /opt/* /opt/java/* /usr/local/* "$sdk"/candidates/java/* "${HOME:-/nonexistent}"/.jdks/*; do
    if [ ! -d "$d" ] || ! ferry_is_jdk "$d"; then continue; fi
    real=$(cd -P "$d" 2>/dev/null && pwd) || continue
    case $seen in *" $real "*) continue ;; esac
    seen="$seen$real "
    v=$(ferry_java_version "$real") || continue
    read -r major minor patch <<<"$v"
    [ "$major" -ge "$FERRY_MIN_JAVA" ] || continue
    key=$(( major * 1000000 + minor * 1000 + patch ))
    if [ "$key" -gt "$bestkey" ]; then best=$real; bestkey=$key; fi
  done
  [ -n "$best" ] || return 1
  printf '%s\n' "$best"
}

# ferry_use_java -> exports JAVA_HOME/PATH or exits 1 with one line.
ferry_use_java() {
  local jh
  if ! jh=$(ferry_find_jdk); then
    echo "ferry: no JDK >= $FERRY_MIN_JAVA found (JAVA_HOME=${JAVA_HOME:-unset}, searched /usr/lib/jvm, /opt, sdkman); install one: 'apt-get install openjdk-21-jdk-headless' (Debian 13/Ubuntu 24.04), scripts/install-prereqs.sh, or a Temurin JDK from https://adoptium.net (apt package temurin-21-jdk, or unpack under /opt) and set JAVA_HOME" >&2
    exit 1
  fi
  export JAVA_HOME=$jh
  case ":$PATH:" in
    "$JAVA_HOME/bin:"*) ;;
    *) export PATH="$JAVA_HOME/bin:$PATH" ;;
  esac
  FERRY_JAVA_MAJOR=$(ferry_java_version "$JAVA_HOME"); FERRY_JAVA_MAJOR=${FERRY_JAVA_MAJOR%% *}
  export FERRY_JAVA_MAJOR
  # Maven 3.8/3.9's bundled Guava calls sun.misc.Unsafe; JDK >= 24 warns about it on every
  # build. The flag exists from JDK 23 on (older JVMs refuse to start with it).
  if [ "$FERRY_JAVA_MAJOR" -ge 24 ]; then
    case " ${MAVEN_OPTS:-} " in
      *sun-misc-unsafe-memory-access*) ;;
      *) export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow" ;;
    esac
  fi
}

# ferry_find_mvn -> prints the mvn to use ($FERRY_MVN, $MAVEN_HOME/bin/mvn, mvn on PATH).
ferry_find_mvn() {
  local m
  for m in "${FERRY_MVN:-}" "${MAVEN_HOME:+$MAVEN_HOME/bin/mvn}" "$(command -v mvn 2>/dev/null)"; do
    [ -n "$m" ] && [ -x "$m" ] && { printf '%s\n' "$m"; return 0; }
  done
  return 1
}

# ferry_require_mvn -> exports FERRY_MVN; installs Debian's maven when root with apt, else exits 1.
ferry_require_mvn() {
  local m
  if m=$(ferry_find_mvn); then export FERRY_MVN=$m; return 0; fi
  if [ "${FERRY_NO_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    local log; log=$(mktemp)
    if DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 install -y --no-install-recommends maven >"$log" 2>&1 \
      || { DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update >>"$log" 2>&1 &&
           DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 install -y --no-install-recommends maven >>"$log" 2>&1; }; then
      rm -f "$log"; echo "installed: maven" >&2
      if m=$(ferry_find_mvn); then export FERRY_MVN=$m; return 0; fi
    else
      cat "$log" >&2; rm -f "$log"
    fi
  fi
  echo "ferry: Maven (mvn) not found; install it: 'apt-get install maven', or unpack Apache Maven >= 3.8 and set MAVEN_HOME" >&2
  exit 1
}

# FERRY_JAVA_DEFINE_ONLY=1: only define the functions (install-prereqs.sh uses the search).
if [ "${FERRY_JAVA_DEFINE_ONLY:-0}" != 1 ]; then
  ferry_use_java
  FERRY_MVN=$(ferry_find_mvn) || FERRY_MVN=""
  export FERRY_MVN
fi
