#!/usr/bin/env bash
# Helpers of the stand-in Harbor installer (sourced by install.sh and prepare), and the call log that the
# molecule scenarios read: every install.sh and prepare run appends a line to
# /var/log/harbor-standin/calls.log.

STANDIN_CALL_LOG=${STANDIN_CALL_LOG:-/var/log/harbor-standin/calls.log}

note() { printf '\nNote: %s\n' "$*"; }
warn() { printf '\nWarning: %s\n' "$*" >&2; }
error() { printf '\nError: %s\n' "$*" >&2; }
h2() { printf '\n%s\n' "$*"; }
success() { printf '\n✔ %s\n' "$*"; }

standin_log() {
  mkdir -p "$(dirname "$STANDIN_CALL_LOG")"
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$STANDIN_CALL_LOG"
}

# version_ge A B: is version A >= version B (numeric, dot separated)
version_ge() {
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -t. -k1,1n -k2,2n -k3,3n | head -n 1)" = "$2" ]
}

check_docker() {
  if ! command -v docker >/dev/null; then
    error "Need to install docker (20.10.10+) first and run this script again."
    exit 1
  fi
  local version
  version=$(docker --version | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -n 1)
  if ! version_ge "$version" 17.06.0; then
    error "Need to upgrade docker package to 20.10.10+."
    exit 1
  fi
  note "docker version: $version"
}

# DOCKER_COMPOSE: the compose plugin when there is one, else docker-compose 1.18 or later
check_dockercompose() {
  if docker compose version >/dev/null 2>&1; then
    # shellcheck disable=SC2034  # used by install.sh, which sources this file
    DOCKER_COMPOSE="docker compose"
    note "Docker Compose version $(docker compose version --short)"
    return
  fi
  if ! command -v docker-compose >/dev/null; then
    error "Need to install docker-compose(1.18.0+) or a docker-compose-plugin first and run this script again."
    exit 1
  fi
  local version
  version=$(docker-compose --version | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -n 1)
  if ! version_ge "$version" 1.18.0; then
    error "Need to upgrade docker-compose package to 1.18.0+."
    exit 1
  fi
  # shellcheck disable=SC2034  # used by install.sh, which sources this file
  DOCKER_COMPOSE=docker-compose
  note "docker-compose version: $version"
}
