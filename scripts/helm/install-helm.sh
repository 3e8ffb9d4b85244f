#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy (`go install helm.sh/helm/v3/cmd/helm@VERSION`)
# into a cache folder, once; later runs only check the cached binary. No binary is downloaded
# from anywhere else. Needs Go (the version helm's go.mod asks for, or newer).
#
# usage: scripts/helm/install-helm.sh        prints the path of the helm binary as its last line
# env:   SHOPSENSE_HELM_CACHE  cache root (default <repo>/.cache/helm, gitignored)
#        HELM_VERSION          override the pinned version (default below)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Pinned: a version the Go module proxy serves. Bump deliberately (and re-run npm run helm:check).
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
cache="${SHOPSENSE_HELM_CACHE:-$repo/.cache/helm}"
bin_dir="$cache/$HELM_VERSION"
helm="$bin_dir/helm"

log() { echo "[helm] $*" >&2; }
die() { echo "[helm] error: $*" >&2; exit 1; }

installed_version() { "$helm" version --template '{{.Version}}' 2>/dev/null || true; }

mkdir -p "$bin_dir"
# Serialise concurrent runs (two CI jobs sharing a cache must not build into the same folder).
exec 9>"$cache/.lock"
flock 9

if [[ -x "$helm" && "$(installed_version)" == "$HELM_VERSION" ]]; then
  log "helm $HELM_VERSION is ready ($helm)"
  echo "$helm"
  exit 0
fi

command -v go >/dev/null || die "Go is not installed: it is needed once, to build helm $HELM_VERSION from the Go module proxy"
log "building helm $HELM_VERSION with $(go version | cut -d' ' -f3) from the Go module proxy (first run only; a few minutes on 2 cores)"
started=$(date +%s)
tmp_bin="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$tmp_bin"' EXIT
# -ldflags: `go install` does not run helm's Makefile, which stamps the version; without it
# `helm version` would report only the minor version. CGO off: a static binary.
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false -trimpath" \
  go install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2 \
  || die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed (is the Go module proxy reachable, and is Go new enough for helm's go.mod?)"
mv "$tmp_bin/helm" "$helm"
got="$(installed_version)"
[[ "$got" == "$HELM_VERSION" ]] || die "the built helm reports version '$got', expected $HELM_VERSION"
log "built helm $HELM_VERSION in $(( $(date +%s) - started ))s: $helm"
echo "$helm"
