#!/usr/bin/env bash
# Installs what Ferry's build, tests and demo need, and only what is missing (idempotent).
#
#   scripts/install-prereqs.sh            # as root on Debian/Ubuntu: apt-get installs the gaps
#   FERRY_NO_INSTALL=1 scripts/...        # (or --no-install) skip this step entirely
#   scripts/install-prereqs.sh --check    # report what is missing, install nothing
#
# Needed: maven, a JDK >= 21, skopeo, umoci, runc, buildah (interop peers for *IT tests),
# busybox-static (demo/test base image), zstd, gzip, tar, python3, attr (getfattr: file
# capabilities such as security.capability, which the JDK cannot read, go into layers),
# docker-registry (CNCF distribution, the registry peer), apache2-utils (htpasswd -B for it) and
# mmdebstrap (ferry base debian), git (GlobalFunc repositories in the demo and guide),
# python3-tornado and wrk (the GlobalFunc gateway benchmark's peer and client).
# Large peers only some tests need — postgresql (GlobalFunc's shared catalog) and chromium (its
# web page) — are installed when CI is set or FERRY_PREREQS=all; elsewhere those tests skip with a
# message when the package is missing (scripts/services/pg-up.sh also installs postgresql itself).
# One line per package installed; `apt-get update` runs at most once, and only when something
# is missing. When everything is present this takes a few milliseconds.
set -euo pipefail

mode=install
for a in "$@"; do
  case $a in
    --no-install) mode=skip ;;
    --check) mode=check ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-prereqs: unknown option $a" >&2; exit 2 ;;
  esac
done
[ "${FERRY_NO_INSTALL:-0}" = 1 ] && mode=skip
[ "$mode" = skip ] && exit 0

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Reuse the JDK search of java.sh without its exit-on-failure.
# shellcheck source=scripts/lib/java.sh
FERRY_JAVA_DEFINE_ONLY=1 . "$here/lib/java.sh"

# package -> command that proves it is usable even when not installed by dpkg
declare -A probe=(
  [maven]=mvn [skopeo]=skopeo [umoci]=umoci [runc]=runc [buildah]=buildah
  [zstd]=zstd [gzip]=gzip [tar]=tar [python3]=python3 [busybox-static]="" [attr]=getfattr [libcap2-bin]=setcap
  [docker-registry]=docker-registry [apache2-utils]=htpasswd [mmdebstrap]=mmdebstrap
  [git]=git [python3-tornado]="" [wrk]=wrk [postgresql]="" [chromium]=chromium
)
pkgs=(maven skopeo umoci runc buildah busybox-static zstd gzip tar python3 attr libcap2-bin curl docker-registry apache2-utils mmdebstrap
      git python3-tornado wrk)
if [ -n "${CI:-}" ] || [ "${FERRY_PREREQS:-}" = all ]; then
  pkgs+=(postgresql chromium)
fi

declare -A installed=()
if command -v dpkg-query >/dev/null; then
  while read -r p st; do
    [ "$st" = ii ] && installed[$p]=1
  done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${pkgs[@]}" 2>/dev/null || true)
fi

missing=()
for p in "${pkgs[@]}"; do
  [ -n "${installed[$p]:-}" ] && continue
  # busybox-static specifically: the dynamic `busybox` package is no use inside an image
  if [ -n "${probe[$p]}" ] && command -v "${probe[$p]}" >/dev/null; then continue; fi
  missing+=("$p")
done
need_jdk=0
ferry_find_jdk >/dev/null || need_jdk=1

if [ ${#missing[@]} -eq 0 ] && [ $need_jdk = 0 ]; then exit 0; fi

what="${missing[*]}"; [ $need_jdk = 1 ] && what="$what${what:+ }JDK>=$FERRY_MIN_JAVA"
if [ "$mode" = check ]; then echo "missing: $what"; exit 1; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-prereqs: missing: $what; install them with your package manager (needs root + apt to do it here), or set FERRY_NO_INSTALL=1 to skip this check" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -q -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
log=$(mktemp /tmp/ferry-install-prereqs.XXXXXX.log)
trap 'rm -f "$log"' EXIT
fail() { echo "install-prereqs: $1 (apt output follows)" >&2; cat "$log" >&2; exit 1; }

"${apt[@]}" update >>"$log" 2>&1 || fail "apt-get update failed"

candidate() { # package -> true when apt has an installable version
  local c; c=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
  [ -n "$c" ] && [ "$c" != "(none)" ]
}

if [ $need_jdk = 1 ]; then
  jdk=""
  for v in 21 25; do
    if candidate "openjdk-$v-jdk-headless"; then jdk=$v; break; fi
  done
  if [ -n "$jdk" ]; then
    missing+=("openjdk-$jdk-jdk-headless")
    # Debian/Ubuntu ship the jmods jlink needs (for the distribution tarball) separately.
    candidate "openjdk-$jdk-jmods" && missing+=("openjdk-$jdk-jmods")
  else
    echo "install-prereqs: no JDK >= $FERRY_MIN_JAVA here and apt offers neither openjdk-21-jdk-headless nor openjdk-25-jdk-headless (Debian 12 has only 17); install Temurin: add https://packages.adoptium.net/artifactory/deb and 'apt-get install temurin-21-jdk', or unpack a JDK >= 21 tarball under /opt and set JAVA_HOME" >&2
    [ ${#missing[@]} -eq 0 ] && exit 1
    jdk_failed=1
  fi
fi

for p in "${missing[@]}"; do
  "${apt[@]}" install -y --no-install-recommends "$p" >>"$log" 2>&1 || fail "could not install $p"
  echo "installed: $p"
done
[ "${jdk_failed:-0}" = 1 ] && exit 1
exit 0
