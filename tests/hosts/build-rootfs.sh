#!/usr/bin/env bash
# Build, once, the Debian base rootfs that every systemd-nspawn test host boots from (tests/hosts/README.md).
#
#   tests/hosts/build-rootfs.sh        -> prints the rootfs path on stdout (progress goes to stderr)
#
# The result is cached under $HARBOR_TEST_CACHE (default /var/tmp/harbor-test) in a directory keyed by a
# hash of everything that shapes it (suite, package list, build steps below): changing the list builds a
# new base, an unchanged list reuses the old one. Concurrent callers serialise on a lock; a build that
# dies half-way leaves only a temporary directory that the next build removes.
# Needs root (debootstrap); installs debootstrap and systemd-container on this machine when missing.
set -euo pipefail

CACHE=${HARBOR_TEST_CACHE:-/var/tmp/harbor-test}
SUITE=${HARBOR_TEST_SUITE:-bookworm}
# Packages of the base. Add here what test hosts need but no role under test installs itself: slow
# packages that a role merely depends on may be baked in, packages a role installs must not.
PACKAGES=(
  python3 python3-apt systemd systemd-sysv dbus openssh-server sudo iproute2 cron procps
  ca-certificates gnupg
  busybox-static  # a static binary for tiny `docker import` images (no registry is reachable here)
  tar xz-utils
)
# Bump when the build steps below change in a way that should invalidate existing bases.
RECIPE=3

log() { printf 'build-rootfs: %s\n' "$*" >&2; }

# The Debian mirror apt on this machine already uses: first URIs: of a deb822 stanza whose Suites: has
# $SUITE, else the first matching "deb" line of sources.list. HARBOR_TEST_MIRROR overrides.
mirror() {
  if [ -n "${HARBOR_TEST_MIRROR:-}" ]; then echo "$HARBOR_TEST_MIRROR"; return; fi
  local m="" f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    m=$(awk -v suite="$SUITE" '
      function flush() { if (uris != "" && ok) { print uris; found = 1; exit } uris = ""; ok = 0 }
      /^[[:space:]]*$/ { flush(); next }
      tolower($1) == "uris:" { uris = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (!found && uris != "" && ok) print uris }' "$f")
    [ -n "$m" ] && break
  done
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk -v suite="$SUITE" '$1 == "deb" && $0 ~ (" " suite " ") { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || { log "no apt source for $SUITE in /etc/apt; set HARBOR_TEST_MIRROR"; exit 1; }
  echo "$m"
}

need_tools() {
  local missing=() p
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || { log "need root to install ${missing[*]}"; exit 1; }
  log "installing ${missing[*]} on this machine"
  for p in 1 2 3; do  # apt may be busy with another job's install
    if apt-get -o DPkg::Lock::Timeout=300 update -qq \
       && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
      return
    fi
    log "apt attempt $p failed, retrying"; sleep 5
  done
  exit 1
}

[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }
key=$(printf '%s\n' "$SUITE" "$RECIPE" "${PACKAGES[@]}" | sha256sum | cut -c1-12)
dest="$CACHE/rootfs-$SUITE-$key"
if [ -f "$dest/.complete" ]; then echo "$dest"; exit 0; fi

mkdir -p "$CACHE"
exec 9>"$CACHE/build.lock"
flock -n 9 || { log "waiting for another build to finish"; flock 9; }
if [ -f "$dest/.complete" ]; then echo "$dest"; exit 0; fi  # built by whoever held the lock

need_tools
url=$(mirror)
rm -rf "$CACHE"/.build-* "$dest"
tmp="$CACHE/.build-$key"
start=$SECONDS
log "debootstrap $SUITE into $dest ($(IFS=,; echo "${PACKAGES[*]}"))"
debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" "$SUITE" "$tmp" "$url" >"$tmp.log" 2>&1 \
  || { tail -n 30 "$tmp.log" >&2; log "debootstrap failed (full log: $tmp.log)"; exit 1; }

# apt inside the hosts uses the same sources as this machine (same mirror, updates and security suites)
if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
  cp /etc/apt/sources.list.d/*.sources "$tmp/etc/apt/sources.list.d/"
  rm -f "$tmp/etc/apt/sources.list"
fi
# keep downloaded packages: run-molecule shares /var/cache/apt/archives between hosts
rm -f "$tmp/etc/apt/apt.conf.d/docker-clean"
chroot "$tmp" apt-get update -qq >>"$tmp.log" 2>&1 || { tail -n 20 "$tmp.log" >&2; log "apt-get update in the rootfs failed"; exit 1; }
# each host gets its own machine-id at boot (empty file: systemd takes nspawn's random container UUID)
: >"$tmp/etc/machine-id"
rm -f "$tmp/var/lib/dbus/machine-id"
# nothing in the base may listen on the shared network namespace except the per-host sshd, and no
# timer may take the apt lock in the middle of a test
chroot "$tmp" systemctl disable ssh.socket >/dev/null 2>&1 || true
chroot "$tmp" systemctl mask systemd-networkd.service systemd-networkd.socket systemd-resolved.service \
  systemd-timesyncd.service getty@tty1.service console-getty.service \
  apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true
# systemd-nspawn mounts the cgroup v1 controllers read-only; a Docker engine needs to create cgroups.
# They are the host's own subtree (cgroup namespace), so making them writable exposes nothing else.
cat >"$tmp/etc/systemd/system/cgroup-controllers-rw.service" <<'UNIT'
[Unit]
Description=Make the cgroup controller hierarchies writable (systemd-nspawn test host)
DefaultDependencies=no
ConditionVirtualization=systemd-nspawn
Before=sysinit.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for m in /sys/fs/cgroup/*/; do if mountpoint -q "$m"; then mount -o remount,bind,rw "$m"; fi; done'

[Install]
WantedBy=sysinit.target
UNIT
chroot "$tmp" systemctl enable cgroup-controllers-rw.service >/dev/null 2>&1
echo "PermitRootLogin prohibit-password" >"$tmp/etc/ssh/sshd_config.d/10-test-host.conf"
rm -f "$tmp/var/cache/apt/archives/"*.deb

mv "$tmp.log" "$tmp/.build.log"
touch "$tmp/.complete"
mv "$tmp" "$dest"
log "built $dest in $((SECONDS - start)) s ($(du -sh "$dest" | cut -f1))"
echo "$dest"
