#!/usr/bin/env bash
# The Dockerfile's build, where no Docker runs: the build stage's steps (a clean copy of exactly what the
# Dockerfile copies, `npm ci`, `npm run bundle`), then the runtime stage's one file staged as the image would
# hold it, smoke-tested with plain `node` in a folder without node_modules, and its size reported.
#
#   hack/build-image.sh [OUT_DIR]     (default dist/image; the image's file is OUT_DIR/app/cluster-registry-operator.mjs)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(realpath -m "${1:-$repo/dist/image}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "build stage in $work"
# What the Dockerfile COPYs (and .dockerignore lets through).
cp "$repo/package.json" "$repo/package-lock.json" "$repo/tsconfig.json" "$work/"
cp -r "$repo/src" "$work/src"
mkdir "$work/hack"
tar -C "$repo/hack" --exclude=./tools -cf - . | tar -C "$work/hack" -xf -
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent bundle)

echo "runtime stage in $out"
rm -rf "$out"
mkdir -p "$out/app"
cp "$work/dist/bundle/cluster-registry-operator.mjs" "$out/app/"
bundle="$out/app/cluster-registry-operator.mjs"

# The image has no node_modules and no package.json: neither has this folder.
version=$(cd "$out/app" && node cluster-registry-operator.mjs --version)
expected=$(node -p "require('$repo/package.json').version")
if [[ "$version" != "$expected" ]]; then
  echo "bundle --version printed '$version', package.json says '$expected'" >&2
  exit 1
fi
(cd "$out/app" && node cluster-registry-operator.mjs crd) | cmp -s - "$repo/crds/registry.kgroot.io_clusterregistrations.yaml" || {
  echo "bundle crd differs from crds/registry.kgroot.io_clusterregistrations.yaml" >&2
  exit 1
}

bytes=$(stat -c %s "$bundle")
echo "ok: cluster-registry-operator $version, $((bytes / 1024)) KiB ($bundle)"
