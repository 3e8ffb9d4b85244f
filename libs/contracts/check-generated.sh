#!/usr/bin/env bash
# Verifies that the committed generated code in libs/contracts/src/gen matches
# the .proto files: lints the protos, regenerates, and fails when anything
# under src/gen changed or appeared. Run from anywhere; used by CI.
set -euo pipefail

cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
GEN_DIR=libs/contracts/src/gen

echo "check-generated: buf lint"
if ! npx --no-install buf lint; then
  echo "check-generated: FAILED: 'buf lint' reported problems in proto/ (see above)." >&2
  exit 1
fi

echo "check-generated: buf generate"
npx --no-install buf generate

status=0
if ! git diff --quiet -- "$GEN_DIR"; then
  # --text: src/gen is marked -diff in .gitattributes; show the real change.
  git --no-pager diff --text -- "$GEN_DIR" | head -n 200 >&2
  echo "check-generated: FAILED: committed code in $GEN_DIR differs from a fresh 'buf generate'." >&2
  status=1
fi
untracked=$(git status --porcelain --untracked-files=all -- "$GEN_DIR" | grep '^??' || true)
if [ -n "$untracked" ]; then
  echo "check-generated: FAILED: 'buf generate' produced files that are not committed:" >&2
  echo "$untracked" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "check-generated: run 'npx nx run contracts:generate' (or 'npx buf generate') and commit $GEN_DIR." >&2
  exit "$status"
fi
echo "check-generated: OK, $GEN_DIR is up to date."
