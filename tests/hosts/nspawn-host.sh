#!/usr/bin/env bash
# Boot and remove systemd-nspawn test hosts (tests/hosts/README.md).
#
#   nspawn-host.sh up ID PUBKEY   boot host ID from the base rootfs; prints its ssh port on stdout
#   nspawn-host.sh down ID        stop host ID and delete it (no error when it does not exist)
#   nspawn-host.sh list           print the hosts of this port range: ID PORT PID STATE
#   nspawn-host.sh shell ID [CMD] run CMD (default: bash) inside host ID, without ssh
#
# A host runs systemd as PID 1, shares this machine's network namespace, and listens for root's ssh on
# 127.0.0.1:PORT, a port allocated from HARBOR_TEST_PORTS (default 2300-2399). It can run a Docker
# engine: all capabilities but CAP_SYS_RESOURCE, the keyring and bpf system calls, writable cgroup
# controllers. Each host has its own cgroup subtree (under the caller's) and cgroup namespace, so
# hosts never see or kill each other's processes. State lives in HARBOR_TEST_CACHE/hosts-<range>/ID;
# `up` first removes a leftover host of the same ID (a killed run), `down` kills every process of the
# host through its cgroups, removes the cgroups and the rootfs copy.
set -euo pipefail

CACHE=${HARBOR_TEST_CACHE:-/var/tmp/harbor-test}
PORTS=${HARBOR_TEST_PORTS:-2300-2399}
HOSTS="$CACHE/hosts-$PORTS"
HERE=$(cd "$(dirname "$0")" && pwd)
BOOT_TIMEOUT=${HARBOR_TEST_BOOT_TIMEOUT:-90}

log() { printf 'nspawn-host: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

valid_id() {
  [[ $1 =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] || die "bad host id '$1' (lower-case letters, digits, '-'; at most 63)"
}

# cgroup directories of this process, one per mounted hierarchy: "<hierarchy-dir> <path>"
own_cgroups() {
  local _n ctrls path dir
  while IFS=: read -r _n ctrls path; do
    case $ctrls in
      "") dir=/sys/fs/cgroup/unified; [ -f /sys/fs/cgroup/cgroup.controllers ] && dir=/sys/fs/cgroup ;;
      name=systemd) dir=/sys/fs/cgroup/systemd ;;
      *) dir=/sys/fs/cgroup/$ctrls ;;
    esac
    [ -d "$dir" ] && echo "$dir $path"
  done </proc/self/cgroup
}

ssh_port_busy() {
  if command -v ss >/dev/null; then
    [ -n "$(ss -Hltn "sport = :$1")" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

alloc_port() {  # under the ports lock: first port of the range no host has reserved and nobody listens on
  local lo=${PORTS%-*} hi=${PORTS#*-} p
  for ((p = lo; p <= hi; p++)); do
    if grep -qsx "$p" "$HOSTS"/*/port; then continue; fi
    if ssh_port_busy "$p"; then continue; fi
    echo "$p"; return
  done
  die "no free port in $PORTS"
}

# is PID still the systemd-nspawn of host directory DIR (and not a recycled PID)?
is_nspawn_of() {
  local cmdline
  cmdline=$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null) || return 1
  [[ $cmdline == "systemd-nspawn "*" -D $2/rootfs "* ]]
}

# processes of host ID, from its cgroups (plus the recorded nspawn PID if it is still that nspawn)
host_pids() {
  local d=$HOSTS/$1 cg pid
  if [ -f "$d/cgroups" ]; then
    while read -r cg; do  # never anything but the host's own subtree
      [ "${cg##*/}" = "harbor-test-$1" ] && [ -d "$cg" ] && find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null
    done <"$d/cgroups"
  fi
  if [ -f "$d/pid" ]; then
    pid=$(cat "$d/pid")
    if is_nspawn_of "$pid" "$d"; then echo "$pid"; fi
  fi
}

down() {
  local id=$1 d=$HOSTS/$1 pid i pids cg
  [ -d "$d" ] || return 0
  if [ -f "$d/pid" ]; then
    pid=$(cat "$d/pid")
    if is_nspawn_of "$pid" "$d"; then
      kill -TERM "$pid" 2>/dev/null || true   # nspawn asks the host's systemd to power off
      for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
  fi
  for ((i = 0; i < 10; i++)); do      # whatever survived: every process in the host's cgroups
    pids=$(host_pids "$id" | sort -u)
    [ -z "$pids" ] && break
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
  done
  if [ -f "$d/cgroups" ]; then
    while read -r cg; do
      if [ "${cg##*/}" = "harbor-test-$id" ] && [ -d "$cg" ]; then
        find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
      fi
    done <"$d/cgroups"
  fi
  # keep what the host downloaded for the next hosts (hard links into the shared pool, never overwriting)
  cp -l -n "$d/rootfs/var/cache/apt/archives/"*.deb "$CACHE/apt-archives/" 2>/dev/null || true
  rm -rf "$d"
  log "$id: removed"
}

up() {
  local id=$1 pubkey=$2 d=$HOSTS/$1 base port cg dir path
  [ -r "$pubkey" ] || die "cannot read public key $pubkey"
  base=$("$HERE/build-rootfs.sh")
  mkdir -p "$HOSTS" "$CACHE/apt-archives"
  down "$id"   # a leftover of a killed run
  mkdir -p "$d"

  exec 8>"$HOSTS/.ports.lock"; flock 8
  port=$(alloc_port)
  echo "$port" >"$d/port"
  flock -u 8; exec 8>&-

  cp -a "$base" "$d/rootfs"
  rm -f "$d/rootfs/.complete" "$d/rootfs/.build.log"
  local r=$d/rootfs
  printf 'Port %s\nListenAddress 127.0.0.1\n' "$port" >"$r/etc/ssh/sshd_config.d/20-port.conf"
  install -d -m 0700 "$r/root/.ssh"
  install -m 0600 "$pubkey" "$r/root/.ssh/authorized_keys"
  echo "$id" >"$r/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n' "$id" >"$r/etc/hosts"
  # apt downloads are reused across hosts: each host starts with hard links to the pool's packages in its own
  # archive (a shared bind mount made parallel hosts fail on apt's archive lock), and down() adds what it fetched
  cp -l -n "$CACHE/apt-archives/"*.deb "$r/var/cache/apt/archives/" 2>/dev/null || true

  # one cgroup per hierarchy under ours; cpuset needs its cpus and mems before a process can join
  : >"$d/cgroups"
  while read -r dir path; do
    cg=$dir${path%/}/harbor-test-$id
    mkdir -p "$cg"
    if [ "${dir##*/}" = cpuset ] && [ -f "$cg/cpuset.cpus" ]; then
      cat "$(dirname "$cg")/cpuset.cpus" >"$cg/cpuset.cpus"
      cat "$(dirname "$cg")/cpuset.mems" >"$cg/cpuset.mems"
    fi
    echo "$cg" >>"$d/cgroups"
  done < <(own_cgroups)

  # setsid: the host outlives the caller (molecule's create step); the shell joins the cgroups, then
  # becomes nspawn, so nspawn creates the host's cgroup namespace at those cgroups
  # shellcheck disable=SC2016  # the script's variables belong to the inner bash
  SYSTEMD_NSPAWN_API_VFS_WRITABLE=1 setsid bash -c '
    d=$1; shift
    echo $$ >"$d/pid"
    while read -r cg; do echo $$ >"$cg/cgroup.procs"; done <"$d/cgroups"
    exec systemd-nspawn "$@"
  ' nspawn-host "$d" \
    --keep-unit --register=no --quiet -D "$d/rootfs" -M "$id" \
    --capability=all --system-call-filter='@keyring bpf' --link-journal=no \
    --boot >"$d/console.log" 2>&1 </dev/null &

  local t0=$SECONDS
  until ssh_port_busy "$port"; do
    if ! kill -0 "$(cat "$d/pid" 2>/dev/null || echo 0)" 2>/dev/null || ((SECONDS - t0 > BOOT_TIMEOUT)); then
      tail -n 30 "$d/console.log" >&2 || true
      die "$id: did not start sshd on 127.0.0.1:$port"
    fi
    sleep 0.2
  done
  local state l
  l=$(leader "$id")
  state=$(timeout "$BOOT_TIMEOUT" nsenter -t "$l" -m -u -i -p -C -- systemctl is-system-running --wait 2>/dev/null || true)
  case $state in
    running) ;;
    degraded) log "$id: degraded: $(nsenter_host "$id" systemctl --failed --plain --no-legend | tr '\n' ' ')" ;;
    *) tail -n 30 "$d/console.log" >&2 || true; die "$id: systemd state '${state:-unknown}'" ;;
  esac
  log "$id: up on 127.0.0.1:$port (pid $(cat "$d/pid"), $((SECONDS - t0)) s)"
  echo "$port"
}

# the host's PID 1, as this machine sees it: the process in the host's init.scope (or its only child)
leader() {
  local d=$HOSTS/$1 pid
  pid=$(cat "$d/pid" 2>/dev/null) || return 1
  pgrep -P "$pid" | head -n 1
}

nsenter_host() {
  local id=$1 l
  shift
  l=$(leader "$id") || die "$id: not running"
  [ -n "$l" ] || die "$id: not running"
  nsenter -t "$l" -m -u -i -p -C -- "$@"
}

list() {
  local d id
  for d in "$HOSTS"/*/; do
    [ -d "$d" ] || continue
    id=$(basename "$d")
    if [ -n "$(host_pids "$id")" ]; then state=running; else state=dead; fi
    echo "$id $(cat "$d/port" 2>/dev/null) $(cat "$d/pid" 2>/dev/null) $state"
  done
}

[ "$(id -u)" = 0 ] || die "must run as root"
cmd=${1:-}
case $cmd in
  up) [ $# -eq 3 ] || die "usage: $0 up ID PUBKEY"; valid_id "$2"; up "$2" "$3" ;;
  down) [ $# -eq 2 ] || die "usage: $0 down ID"; valid_id "$2"; down "$2" ;;
  list) list ;;
  shell) [ $# -ge 2 ] || die "usage: $0 shell ID [CMD...]"; valid_id "$2"; id=$2; shift 2
    if [ $# -eq 0 ]; then set -- bash -l; fi
    nsenter_host "$id" "$@" ;;
  *) die "usage: $0 up ID PUBKEY | down ID | list | shell ID [CMD...]" ;;
esac
