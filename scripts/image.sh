#!/usr/bin/env bash
# Build Steward's container image (`make image`; docs/container.md).
#
#   scripts/image.sh [TAG]        build TAG (default steward:latest) from the Containerfile
#
# The base (the Containerfile's BASE) is IMAGE_BASE when set; otherwise the slim Python image when a registry
# answers, else a Debian base built here with debootstrap (no registry needed: Debian's mirror is enough).
set -euo pipefail
cd "$(dirname "$0")/.."
TAG="${1:-steward:latest}"
REGISTRY_BASE="docker.io/library/python:3.12-slim-trixie"
LOCAL_BASE="localhost/steward-base:trixie"
SUITE="${IMAGE_DEBIAN_SUITE:-trixie}"   # Python 3.13; bookworm's 3.11 is older than Steward supports
MIRROR="${IMAGE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

command -v podman >/dev/null || { echo "podman is not installed (Debian: apt-get install podman buildah runc debootstrap)" >&2; exit 1; }

# Some hosts (virtual machines with cgroups v1, sandboxes) refuse podman's default runtime or resource limits;
# the shipped containers.conf works there. Keep the operator's own configuration where it works.
podman_works() { podman run --rm --network=none "$1" true >/dev/null 2>&1; }

build_local_base() {
    if podman image exists "$LOCAL_BASE"; then return; fi
    command -v debootstrap >/dev/null || { echo "no registry and no debootstrap: apt-get install debootstrap" >&2; exit 1; }
    local root; root="$(mktemp -d /tmp/steward-base.XXXXXX)"
    trap 'rm -rf "$root"' RETURN
    echo "Building $LOCAL_BASE with debootstrap ($SUITE, minbase + python3)…"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$SUITE" "$root" "$MIRROR" >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | podman import --change 'CMD ["/bin/bash"]' - "$LOCAL_BASE" >/dev/null
}

BASE="${IMAGE_BASE:-}"
if [ -z "$BASE" ]; then
    if timeout 60 podman pull -q "$REGISTRY_BASE" >/dev/null 2>&1; then BASE="$REGISTRY_BASE"; else build_local_base; BASE="$LOCAL_BASE"; fi
fi
if ! podman_works "$BASE"; then
    export CONTAINERS_CONF="$PWD/deploy/podman/containers.conf"
    podman_works "$BASE" || { echo "podman cannot run containers on this host, even with $CONTAINERS_CONF" >&2; exit 1; }
    echo "(using $CONTAINERS_CONF: this host refuses podman's default runtime or limits)"
fi

# A host whose HTTPS goes through an inspecting proxy lends its CA bundle to pip for the build only (a secret
# is mounted for one RUN step and never stored in a layer).
secret=()
ca="${PIP_CERT:-${SSL_CERT_FILE:-}}"
if [ -n "$ca" ] && [ -s "$ca" ]; then secret=(--secret "id=build_ca,src=$ca"); fi

echo "Building $TAG on $BASE…"
podman build --format docker --build-arg "BASE=$BASE" "${secret[@]}" --tag "$TAG" --file Containerfile .
podman image inspect "$TAG" --format '{{.Id}} {{.Size}}' | awk '{printf "built %s: %.0f MB\n", substr($1,1,12), $2/1e6}'
