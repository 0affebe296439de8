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
# docker-registry (CNCF distribution, the registry peer), apache2-utils (htpasswd -B for it),
# mmdebstrap (ferry base debian), openssl (RSA keys for the layer-encryption tests, random bench
# inputs), and for the Python delivery tests: Debian's python3 with pip,
# setuptools, wheel, venv, python3-dev and gcc (tests build real wheels, pure and a C extension),
# python3-cryptography (runs protected code on the host) and Debian's python3-*-whl wheels.
# Also qemu-user-static + binfmt-support (RUN steps and Debian packages of the other architecture:
# arm64 on amd64, amd64 on arm64), and arch-test, which mmdebstrap needs to bootstrap another architecture.
# As root it also registers that QEMU handler in binfmt_misc (mounting it when needed, then
# `update-binfmts --enable qemu-ARCH`); where that is not allowed (a container without the host's
# binfmt_misc) it says so in one line and goes on: only cross-architecture builds need it.
# rpm (rpm and rpmbuild write a real SQLite rpmdb for the RPM SBOM test),
# git (GlobalFunc repositories in the demo and guide), python3-tornado and wrk (the GlobalFunc
# gateway benchmark's peer and client). Large peers only some tests need — postgresql (GlobalFunc's
# shared catalog) and chromium (its web page) — are installed when CI is set or FERRY_PREREQS=all
# (scripts/test sets it); elsewhere those tests skip with a message when the package is missing.
# One line per package installed; `apt-get update` runs at most once, and only when something
# is missing. When everything is present this takes a few milliseconds.
set -euo pipefail

mode=install
for a in "$@"; do
  case $a in
    --no-install) mode=skip ;;
    --check) mode=check ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
  [docker-registry]=docker-registry [apache2-utils]=htpasswd [mmdebstrap]=mmdebstrap [openssl]=openssl
  [qemu-user-static]="" [binfmt-support]=update-binfmts [arch-test]=arch-test
  [rpm]=rpmbuild [git]=git [python3-tornado]="" [wrk]=wrk [postgresql]="" [chromium]=chromium
  [gcc]=gcc [python3-dev]="" [python3-pip]="" [python3-venv]="" [python3-setuptools]="" [python3-wheel]=""
  [python3-cryptography]="" [python3-pip-whl]="" [python3-setuptools-whl]="" [python3-wheel-whl]=""
)
pkgs=(maven skopeo umoci runc buildah busybox-static zstd gzip tar python3 attr libcap2-bin curl docker-registry apache2-utils mmdebstrap openssl
  gcc python3-dev python3-pip python3-venv python3-setuptools python3-wheel python3-cryptography
  python3-pip-whl python3-setuptools-whl python3-wheel-whl qemu-user-static binfmt-support arch-test
  rpm git python3-tornado wrk)
if [ -n "${CI:-}" ] || [ "${FERRY_PREREQS:-}" = all ]; then
  pkgs+=(postgresql chromium)
fi

# The QEMU handler for the other common architecture, registered in binfmt_misc with Debian's flags (F: the
# interpreter is opened at registration, so images need no QEMU inside). Quiet when already there.
register_binfmt() {
  [ "$(id -u)" = 0 ] || return 0
  command -v update-binfmts >/dev/null || return 0
  local q bm=/proc/sys/fs/binfmt_misc
  case $(uname -m) in
    x86_64) q=qemu-aarch64 ;;
    aarch64) q=qemu-x86_64 ;;
    *) return 0 ;;
  esac
  [ -e "/usr/share/binfmts/$q" ] || return 0
  if grep -qs '^enabled' "$bm/$q"; then return 0; fi
  if [ ! -e "$bm/status" ]; then
    mount -t binfmt_misc binfmt_misc "$bm" 2>/dev/null || {
      echo "install-prereqs: cannot mount binfmt_misc here (a container?); cross-architecture builds need the host to run: update-binfmts --enable $q" >&2
      return 0
    }
  fi
  if update-binfmts --enable "$q" >/dev/null 2>&1 && grep -qs '^enabled' "$bm/$q"; then
    echo "registered: $q in binfmt_misc"
  else
    echo "install-prereqs: could not register $q in binfmt_misc; cross-architecture builds need: update-binfmts --enable $q" >&2
  fi
}

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

if [ ${#missing[@]} -eq 0 ] && [ $need_jdk = 0 ]; then
  [ "$mode" = check ] || register_binfmt
  exit 0
fi

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
register_binfmt
exit 0
