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
# Bumped when the build recipe below changes, so a cached binary from an older recipe is rebuilt.
RECIPE=2
stamp="$bin_dir/.recipe"

mkdir -p "$bin_dir"
# Serialise concurrent runs (two CI jobs sharing a cache must not build into the same folder).
exec 9>"$cache/.lock"
flock 9

if [[ -x "$helm" && "$(installed_version)" == "$HELM_VERSION" && "$(cat "$stamp" 2>/dev/null)" == "$RECIPE" ]]; then
  log "helm $HELM_VERSION is ready ($helm)"
  echo "$helm"
  exit 0
fi

command -v go >/dev/null || die "Go is not installed: it is needed once, to build helm $HELM_VERSION from the Go module proxy"
log "building helm $HELM_VERSION with $(go version | cut -d' ' -f3) from the Go module proxy (first run only; a few minutes on 2 cores)"
started=$(date +%s)
tmp_bin="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$tmp_bin"' EXIT
# `go install` does not run helm's Makefile, which stamps two things with -ldflags: helm's
# version (else `helm version` reports only the minor) and the Kubernetes version that
# `helm lint`/`helm template` assume without a cluster (else v1.20.0, which a chart's
# kubeVersion constraint rejects). The Makefile takes the latter from helm's k8s.io/client-go
# requirement (v0.N.x -> Kubernetes 1.N); so do we. CGO off: a static binary.
gomod="$(GOTOOLCHAIN=local go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[[ -f "$gomod" ]] || die "go mod download helm.sh/helm/v3@$HELM_VERSION did not give its go.mod (is the Go module proxy reachable?)"
client_go="$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "$gomod")"
[[ "$client_go" =~ ^v0\.([0-9]+)\. ]] || die "cannot read the k8s.io/client-go version from $gomod (got '$client_go')"
k8s_minor="${BASH_REMATCH[1]}"
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
done
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false -trimpath" \
  go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2 \
  || die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed (is the Go module proxy reachable, and is Go new enough for helm's go.mod?)"
mv "$tmp_bin/helm" "$helm"
got="$(installed_version)"
[[ "$got" == "$HELM_VERSION" ]] || die "the built helm reports version '$got', expected $HELM_VERSION"
echo "$RECIPE" > "$stamp"
log "built helm $HELM_VERSION (default Kubernetes version 1.$k8s_minor) in $(( $(date +%s) - started ))s: $helm"
echo "$helm"
