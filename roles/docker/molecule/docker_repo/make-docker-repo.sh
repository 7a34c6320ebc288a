#!/usr/bin/env bash
# Build a signed apt repository shaped like Docker's (DIR/debian: gpg, dists/bookworm/stable, pool) for
# the docker_repo scenario. Its packages stand in for Docker's: docker-ce is Debian's docker.io under
# that name (the engine, the CLI and the service), docker-ce-cli is empty, containerd.io pulls in
# Debian's containerd and docker-compose-plugin Debian's docker-compose.
set -euo pipefail
repo=${1:?usage: make-docker-repo.sh DIR}/debian
suite=bookworm
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -rf "$repo"
mkdir -p "$repo/pool" "$repo/dists/$suite/stable/binary-$arch"

# docker.io and its dependencies land in the apt cache (shared between test hosts)
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --download-only --no-install-recommends docker.io >/dev/null
debs=(/var/cache/apt/archives/docker.io_*.deb)
src=${debs[-1]}
dpkg-deb -R "$src" "$work/docker-ce"
sed -i -e 's/^Package: docker.io$/Package: docker-ce/' -e '/^\(Conflicts\|Breaks\|Replaces\|Provides\):/d' \
  "$work/docker-ce/DEBIAN/control"
version=$(dpkg-deb -f "$src" Version)
dpkg-deb -Znone --root-owner-group -b "$work/docker-ce" "$repo/pool/docker-ce_${version}_$arch.deb" >/dev/null

stub() {  # stub NAME [DEPENDS]
  mkdir -p "$work/$1/DEBIAN"
  {
    echo "Package: $1"
    echo "Version: $version"
    echo "Architecture: $arch"
    echo "Maintainer: harbor_ops tests <tests@harbor-ops.invalid>"
    if [ -n "${2:-}" ]; then echo "Depends: $2"; fi
    echo "Description: stand-in for Docker's $1 (molecule docker_repo scenario)"
  } >"$work/$1/DEBIAN/control"
  dpkg-deb -Znone --root-owner-group -b "$work/$1" "$repo/pool/$1_${version}_$arch.deb" >/dev/null
}
stub docker-ce-cli
stub containerd.io containerd
stub docker-compose-plugin docker-compose

cd "$repo"
packages=dists/$suite/stable/binary-$arch/Packages
for deb in pool/*.deb; do
  dpkg-deb -f "$deb"
  echo "Filename: $deb"
  echo "Size: $(stat -c %s "$deb")"
  echo "SHA256: $(sha256sum "$deb" | cut -d ' ' -f 1)"
  echo
done >"$packages"
{
  echo "Origin: harbor_ops tests"
  echo "Label: Docker repository stand-in"
  echo "Suite: $suite"
  echo "Codename: $suite"
  echo "Architectures: $arch"
  echo "Components: stable"
  echo "Date: $(LC_ALL=C date -Ru)"
  echo "SHA256:"
  echo " $(sha256sum "$packages" | cut -d ' ' -f 1) $(stat -c %s "$packages") stable/binary-$arch/Packages"
} >"dists/$suite/Release"

export GNUPGHOME=$work/gnupg
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'harbor_ops test repository' ed25519 sign never
gpg --batch --quiet --armor --export >"$repo/gpg"
gpg --batch --quiet --clearsign -o "dists/$suite/InRelease" "dists/$suite/Release"
gpgconf --kill all
chmod -R a+rX "$repo"
