#!/usr/bin/env bash
# Run the molecule scenarios of the roles (tests/hosts/README.md): `make molecule`.
#
#   tests/hosts/run-molecule.sh [-j JOBS] [ROLE | ROLE/SCENARIO ...]
#
# Without arguments it runs every roles/*/molecule/*/ scenario and the collection's own molecule/*/ ones
# (named collection/SCENARIO; they run from the checkout's top). It builds the base rootfs once, then
# runs `molecule test` for JOBS scenarios at a time (default 2; each scenario has its own test hosts
# and ssh ports; each its own ephemeral directory under .build/molecule/ephemeral/, so equally named
# scenarios of two roles never share one), writes one log per scenario to .build/molecule/logs/, prints a summary and exits 1
# when a scenario failed. Interrupted, it stops its molecule runs and removes their test hosts.
# Needs root (systemd-nspawn); as another user it only says that it skipped.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/hosts
JOBS=${MOLECULE_JOBS:-2}
LOGS=$ROOT/.build/molecule/logs

usage() { echo "usage: $0 [-j JOBS] [ROLE | ROLE/SCENARIO ...]" >&2; exit 2; }
while getopts j:h opt; do
  case $opt in
    j) JOBS=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || usage

if [ "$(id -u)" != 0 ]; then
  echo "molecule: SKIPPED: the test hosts (systemd-nspawn) need root" >&2
  exit 0
fi

# scenarios as ROLE/SCENARIO
scenarios=()
# the directory a ROLE/SCENARIO runs from (molecule's project directory); "collection" is the checkout's top
project_dir() { if [ "${1%%/*}" = collection ]; then echo "$ROOT"; else echo "$ROOT/roles/${1%%/*}"; fi; }
if [ $# -eq 0 ]; then set -- "$ROOT"/roles/*/molecule/*/molecule.yml "$ROOT"/molecule/*/molecule.yml; fi
for arg in "$@"; do
  case $arg in
    "$ROOT"/roles/*/molecule/*/molecule.yml)
      [ -f "$arg" ] || continue
      s=${arg#"$ROOT"/roles/}; s=${s%/molecule.yml}; scenarios+=("${s%%/*}/${s##*/}") ;;
    "$ROOT"/molecule/*/molecule.yml)
      [ -f "$arg" ] || continue
      s=${arg%/molecule.yml}; scenarios+=("collection/${s##*/}") ;;
    */*) [ -f "$(project_dir "$arg")/molecule/${arg#*/}/molecule.yml" ] || { echo "no scenario $arg" >&2; exit 2; }
      scenarios+=("$arg") ;;
    *) found=0
      for f in "$(project_dir "$arg")"/molecule/*/molecule.yml; do
        [ -f "$f" ] || continue
        s=${f%/molecule.yml}; scenarios+=("$arg/${s##*/}"); found=1
      done
      [ $found = 1 ] || { echo "no scenarios for role $arg" >&2; exit 2; } ;;
  esac
done
if [ ${#scenarios[@]} -eq 0 ]; then echo "molecule: no scenarios yet"; exit 0; fi

# The longest scenarios start first (as measured in CI, longest first), so that the short ones fill the gaps at the
# end instead of a long one starting last; the others keep their order.
LONGEST_FIRST=(backup/default collection/site harbor/default harbor/upgrade docker/default)
ordered=()
for sc in "${LONGEST_FIRST[@]}"; do
  for s in "${scenarios[@]}"; do [ "$s" = "$sc" ] && ordered+=("$sc"); done
done
for s in "${scenarios[@]}"; do
  case " ${LONGEST_FIRST[*]} " in *" $s "*) ;; *) ordered+=("$s") ;; esac
done
scenarios=("${ordered[@]}")

# the project's tools (.venv) come first; molecule runs pytest and ansible-playbook from PATH
if [ -x "$ROOT/.venv/bin/molecule" ]; then PATH=$ROOT/.venv/bin:$PATH; fi
mol=$(command -v molecule) || { echo "molecule not found: run make setup" >&2; exit 1; }
mol_dir=$(cd "$(dirname "$mol")" && pwd)   # absolute: the scenarios run from the role directories
PATH=$mol_dir:$PATH
export PATH NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 MOLECULE_NO_COLOR=1
mkdir -p "$LOGS"

start=$SECONDS
t0=$SECONDS
base=$("$HERE/build-rootfs.sh")
echo "molecule: base rootfs $base ($((SECONDS - t0)) s)"

declare -A pid_of=() began=() result=() took=()
running=()

host_prefix() { local r=${1%%/*} s=${1#*/}; s=${s//_/-}; echo "$r-$s" | tr '[:upper:]' '[:lower:]'; }

cleanup() {
  local sc pid
  trap - INT TERM
  echo "molecule: interrupted; stopping ${running[*]:-nothing}" >&2
  for sc in "${running[@]}"; do
    pid=${pid_of[$sc]}
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  for sc in "${running[@]}"; do  # the hosts those runs had booted
    "$HERE/nspawn-host.sh" list | while read -r id _; do
      case $id in "$(host_prefix "$sc")" | "$(host_prefix "$sc")"-*) "$HERE/nspawn-host.sh" down "$id" || true ;; esac
    done
  done
  exit 130
}
trap cleanup INT TERM

launch() {
  local sc=$1 role=${1%%/*} scenario=${1#*/}
  # own process group (setsid), so that an interrupt can stop the whole run
  (cd "$(project_dir "$sc")" && MOLECULE_EPHEMERAL_DIRECTORY=$ROOT/.build/molecule/ephemeral/$role-$scenario \
    exec setsid molecule test -s "$scenario") \
    >"$LOGS/${role}-${scenario}.log" 2>&1 </dev/null &
  pid_of[$sc]=$!
  began[$sc]=$SECONDS
  running+=("$sc")
  echo "molecule: $sc started (log: ${LOGS#"$ROOT"/}/${role}-${scenario}.log)"
}

reap() {  # wait for one of the running scenarios to finish and record its result
  local sc pids=() done_pid="" rc=0 keep=()
  for sc in "${running[@]}"; do pids+=("${pid_of[$sc]}"); done
  wait -n -p done_pid "${pids[@]}" || rc=$?
  for sc in "${running[@]}"; do
    if [ "${pid_of[$sc]}" != "$done_pid" ]; then keep+=("$sc"); continue; fi
    took[$sc]=$((SECONDS - began[$sc]))
    if [ "$rc" = 0 ]; then result[$sc]=passed; else result[$sc]="FAILED (rc $rc)"; fi
    echo "molecule: $sc ${result[$sc]} in ${took[$sc]} s"
  done
  running=("${keep[@]}")
}

for sc in "${scenarios[@]}"; do
  while [ ${#running[@]} -ge "$JOBS" ]; do reap; done
  launch "$sc"
done
while [ ${#running[@]} -gt 0 ]; do reap; done

failed=0
echo
echo "molecule summary (${#scenarios[@]} scenarios, $JOBS at a time, $((SECONDS - start)) s in all):"
for sc in "${scenarios[@]}"; do
  printf '  %-40s %-16s %5s s\n' "$sc" "${result[$sc]}" "${took[$sc]}"
  [ "${result[$sc]}" = passed ] || failed=1
done
if [ $failed = 1 ]; then
  for sc in "${scenarios[@]}"; do
    [ "${result[$sc]}" = passed ] && continue
    log="$LOGS/${sc%%/*}-${sc#*/}.log"
    echo
    echo "=== $sc: last 60 lines of ${log#"$ROOT"/} ==="
    tail -n 60 "$log"
  done
  exit 1
fi
