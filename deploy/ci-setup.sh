#!/usr/bin/env bash
# Prepares a Debian bookworm CI runner (as root) for the tests. scripts/preflight.ts lists which
# test runs which tool; every package it names is installed here (a unit test checks that):
#   npm test                 needs caddy, prometheus (promtool too), docker-compose (config
#                            validation only), openssl and redis-server (the shared-state tests)
#                            and kubectl (renders deploy/kubernetes; see below)
#   npm run test:containers  also needs podman, debootstrap and curl, and builds the base images
# --no-install-recommends keeps docker.io (a docker-compose recommendation) off: the tests drive
# podman through its Docker-compatible API instead.
set -euo pipefail
cd "$(dirname "$0")/.."

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  caddy docker-compose curl prometheus openssl redis-server \
  podman buildah runc netavark aardvark-dns catatonit iptables debootstrap ca-certificates

# kubectl renders the Kubernetes overlays (test/e2e/kubernetes-manifests.test.ts). A kubectl that
# is already there is kept: Debian's kubernetes-client owns the same /usr/bin/kubectl.
if ! command -v kubectl >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubernetes-client
fi
# Debian's kubectl 1.20 embeds kustomize v2.0.3, which cannot render the overlays (no components,
# no `replicas:`, no --load-restrictor): stop here with the reason rather than deep in a test.
for overlay in deploy/kubernetes/overlays/*/; do
  if ! error=$(kubectl kustomize --load-restrictor LoadRestrictionsNone "$overlay" 2>&1 >/dev/null); then
    echo "ci-setup: $(command -v kubectl) cannot render $overlay: deploy/kubernetes needs kubectl 1.24 or later" \
      "(kustomize v4.5+; tested with 1.32); install a newer kubectl and run again. kubectl said: ${error}" >&2
    exit 1
  fi
done

# Base images from Debian + npm, tagged as the Dockerfile and compose file name them (cached
# under /var/cache/beacon-base-images; a no-op when both images exist).
deploy/images/build-base-images.sh
