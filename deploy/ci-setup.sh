#!/usr/bin/env bash
# Prepares a Debian bookworm CI runner (as root) for the tests. scripts/preflight.ts lists which
# test runs which tool; every package it names is installed here (a unit test checks that):
#   npm test                 needs caddy, prometheus (promtool too), docker-compose (config
#                            validation only) and openssl
#   npm run test:containers  also needs podman, debootstrap and curl, and builds the base images
# --no-install-recommends keeps docker.io (a docker-compose recommendation) off: the tests drive
# podman through its Docker-compatible API instead.
set -euo pipefail
cd "$(dirname "$0")/.."

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  caddy docker-compose curl prometheus openssl \
  podman buildah runc netavark aardvark-dns catatonit iptables debootstrap ca-certificates

# Base images from Debian + npm, tagged as the Dockerfile and compose file name them (cached
# under /var/cache/beacon-base-images; a no-op when both images exist).
deploy/images/build-base-images.sh
