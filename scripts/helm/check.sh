#!/usr/bin/env bash
# `npm run helm:check`: everything CI checks about the Helm chart and the images' entry points.
#
#   1. the helm CLI, built once from the Go module proxy (scripts/helm/install-helm.sh, cached);
#   2. `helm lint --strict` and `helm template` for each values set of helm/shopsense/ci/
#      (default, gpu, external, plus the connections preview);
#   3. every rendered object validated against the Kubernetes schemas
#      (scripts/helm/validate-manifests.mjs: kubernetes-models, strict about unknown fields);
#   4. the chart's tests (test/helm/*.helm-spec.ts, jest.helm.config.js): each Deployment's
#      environment against its service's configuration schema, the topic Job against
#      deploy/local/topics.conf, invalid values files failing with their message,
#      NetworkPolicies, security contexts, the GPU profile, the exec health probe.
#
# Exits non-zero on the first failing step, after printing what failed.
# env: SHOPSENSE_HELM_OUT  where the rendered manifests go (default <repo>/tmp/helm-check)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
chart=helm/shopsense
release=shopsense
out="${SHOPSENSE_HELM_OUT:-$repo/tmp/helm-check}"
started=$(date +%s)

step() { printf '\n== %s\n' "$*"; }
fail() { printf '\nhelm:check FAILED: %s\n' "$*" >&2; exit 1; }

step "helm CLI (scripts/helm/install-helm.sh)"
helm="$(bash scripts/helm/install-helm.sh | tail -n 1)"
"$helm" version --short

step "schema packages"
if ! node --input-type=module -e "await import('kubernetes-models/v1'); await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'); await import('yaml')" 2>/dev/null; then
  fail "kubernetes-models, @kubernetes-models/prometheus-operator and yaml must be installed (devDependencies in package.json; run npm ci)"
fi
echo "kubernetes-models $(node -p "require('./node_modules/kubernetes-models/package.json').version"), @kubernetes-models/prometheus-operator $(node -p "require('./node_modules/@kubernetes-models/prometheus-operator/package.json').version")"

rm -rf "$out"
mkdir -p "$out"
# name: values files (the connections preview builds on the external set)
sets=(
  "default:$chart/ci/default-values.yaml"
  "gpu:$chart/ci/gpu-values.yaml"
  "external:$chart/ci/external-values.yaml"
  "connections-preview:$chart/ci/external-values.yaml,$chart/ci/connections-preview-values.yaml"
)
for entry in "${sets[@]}"; do
  name="${entry%%:*}"
  args=()
  IFS=',' read -r -a files <<<"${entry#*:}"
  for f in "${files[@]}"; do args+=(-f "$f"); done

  step "$name: helm lint --strict ${files[*]}"
  "$helm" lint --strict "$chart" "${args[@]}" || fail "helm lint ($name)"

  step "$name: helm template"
  "$helm" template "$release" "$chart" --namespace "$release" "${args[@]}" >"$out/$name.yaml" \
    || fail "helm template ($name)"

  step "$name: Kubernetes schemas"
  node scripts/helm/validate-manifests.mjs "$out/$name.yaml" "$out/$name.json" \
    || fail "the $name manifests do not validate against the Kubernetes schemas"
done

step "chart tests (jest -c jest.helm.config.js)"
SHOPSENSE_HELM_RENDERED="$out" HELM_BIN="$helm" npx --no-install jest -c jest.helm.config.js --runInBand \
  || fail "chart tests"

printf '\nhelm:check passed in %ss (rendered manifests in %s)\n' "$(( $(date +%s) - started ))" "${out#"$repo"/}"
