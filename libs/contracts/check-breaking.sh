#!/usr/bin/env bash
# Fails when the .proto files break wire or source compatibility (buf FILE rules) against the
# base they will land on: main when checking another branch, the previous commit when
# checking main itself. Skips, saying so, when that base has no contracts yet.
set -euo pipefail

cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
branch=$(git rev-parse --abbrev-ref HEAD)
if [ "$branch" != "main" ] && git rev-parse --verify -q main >/dev/null; then
  base=$(git merge-base HEAD main)
elif git rev-parse --verify -q HEAD~1 >/dev/null; then
  base=$(git rev-parse HEAD~1)
else
  echo "check-breaking: no earlier commit to compare with; skipped."
  exit 0
fi
if ! git cat-file -e "$base:proto" 2>/dev/null; then
  echo "check-breaking: base $base has no proto/ yet; skipped."
  exit 0
fi
echo "check-breaking: comparing proto/ with $base"
npx --no-install buf breaking --against ".git#ref=$base"
echo "check-breaking: OK, no breaking change."
