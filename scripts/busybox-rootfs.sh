#!/usr/bin/env bash
# Makes a tiny busybox root filesystem for an architecture, from Debian's busybox-static.
#
#   scripts/busybox-rootfs.sh [--arch amd64|arm64|...] DIR     # default: this machine's architecture
#
# DIR gets bin/busybox, a symlink per applet, /etc/passwd and /etc/group (root and app:1000), and the
# directories a container runtime expects. For this machine's own architecture the installed
# /bin/busybox (package busybox-static) is used; for another one the busybox-static:ARCH .deb is
# downloaded once from the machine's Debian mirror with a private apt state (the system's dpkg
# architectures and package lists are left alone) and kept in ${XDG_CACHE_HOME:-~/.cache}/ferry/debs/.
# Running another architecture's busybox needs qemu-user-static with binfmt_misc
# (scripts/install-prereqs.sh registers it where it can).
# Prints DIR. Tests (dev.ferry.testing.Busybox) and scripts/demo call this.
set -euo pipefail

arch=$(dpkg --print-architecture)
host=$arch
while [ $# -gt 1 ]; do
  case $1 in
    --arch) arch=$2; shift 2 ;;
    *) echo "busybox-rootfs: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: busybox-rootfs.sh [--arch ARCH] DIR" >&2; exit 2; }
dir=$1
case $arch in
  [a-z0-9]*) ;;
  *) echo "busybox-rootfs: bad architecture '$arch'" >&2; exit 2 ;;
esac

cache=${XDG_CACHE_HOME:-$HOME/.cache}/ferry/debs
busybox=""
if [ "$arch" = "$host" ] && [ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1; then
  busybox=/bin/busybox
else
  mkdir -p "$cache"
  deb=$(ls "$cache"/busybox-static_*_"$arch".deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    apt=$(mktemp -d "$cache/apt.XXXXXX")
    trap 'rm -rf "$apt"' EXIT
    mkdir -p "$apt/lists/partial" "$apt/archives/partial"
    # the machine's own Debian mirror and suite, from its apt sources (deb822 or one-line form)
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 || true)
    [ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$apt/sources.list"
    opts=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o "Dir::State::Lists=$apt/lists"
      -o "Dir::Cache=$apt" -o Dir::Etc::SourceParts=/dev/null -o "Dir::Etc::SourceList=$apt/sources.list"
      -o Debug::NoLocking=1)
    apt-get "${opts[@]}" -qq update >"$apt/log" 2>&1 || { cat "$apt/log" >&2; echo "busybox-rootfs: apt-get update for $arch from $mirror failed" >&2; exit 1; }
    (cd "$apt" && apt-get "${opts[@]}" -qq download "busybox-static:$arch" >>"$apt/log" 2>&1) \
      || { cat "$apt/log" >&2; echo "busybox-rootfs: could not download busybox-static:$arch from $mirror" >&2; exit 1; }
    f=$(ls "$apt"/busybox-static_*_"$arch".deb)
    mv "$f" "$cache/"   # same file system: atomic, a concurrent caller sees the whole .deb or none
    deb=$cache/$(basename "$f")
  fi
  x="$cache/busybox-$arch"
  if [ ! -x "$x/bin/busybox" ] || [ "$deb" -nt "$x/bin/busybox" ]; then
    t=$(mktemp -d "$cache/x.XXXXXX")
    dpkg-deb -x "$deb" "$t"
    rm -rf "$x"; mv "$t" "$x"
  fi
  busybox=$x/bin/busybox
fi

mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/root" "$dir/home/app" "$dir/proc" "$dir/sys" "$dir/dev"
chmod 1777 "$dir/tmp"
cp "$busybox" "$dir/bin/busybox"
chmod 0755 "$dir/bin/busybox"
# the applet list of the host's busybox: the same Debian version builds the same applets on every architecture
for a in $( (/bin/busybox --list 2>/dev/null || echo sh ls echo cat uname id env mkdir rm touch sleep true false wc sha256sum stat find grep) | sort -u); do
  [ "$a" = busybox ] || ln -sfn busybox "$dir/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' >"$dir/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nstaff:x:50:\n' >"$dir/etc/group"
echo "$dir"
