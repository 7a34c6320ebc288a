#!/usr/bin/env bash
# Stand-in of Harbor's install.sh (tests only; see tests/hosts/harbor-bundle/README.md). Same interface and
# steps: only --with-trivy and --help are accepted; it loads the images archive when there is one, runs
# ./prepare, then `down -v` and `up -d` with compose, from its own directory.
set -e

DIR="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=common.sh
source "$DIR/common.sh"

usage="$0 [--with-trivy]
Please do NOT set --with-chartmuseum, as chartmuseum has been deprecated and removed.
Please do NOT set --with-notary, as notary has been deprecated and removed."

standin_log "install.sh $*"
with_trivy=""
while [ $# -gt 0 ]; do
  case $1 in
    --help) note "$usage"; exit 0 ;;
    --with-trivy) with_trivy=true ;;
    *) note "$usage"; exit 1 ;;
  esac
  shift
done

cd "$DIR"
h2 "[Step 0]: checking if docker is installed ..."
check_docker
h2 "[Step 1]: checking docker-compose is installed ..."
check_dockercompose

images=(harbor*.tar.gz)
if [ -f "${images[0]}" ]; then
  h2 "[Step 2]: loading Harbor images ..."
  docker load -i "${images[@]}"
fi

h2 "[Step 3]: preparing environment ..."
if [ -n "$with_trivy" ]; then ./prepare --with-trivy; else ./prepare; fi
echo "Prepare phase done"

h2 "[Step 4]: starting Harbor ..."
$DOCKER_COMPOSE down -v
$DOCKER_COMPOSE up -d
success "----Harbor has been installed and started successfully.----"
