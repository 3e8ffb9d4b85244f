#!/usr/bin/env bash
# Compute reference embeddings for scripts/model/golden-sentences.json with the
# model's own onnxruntime + tokenizers pipeline; writes <model-dir>/golden.json.
#
# usage: scripts/model/make-golden.sh [model-name]   (fetches the model first)
# The last line on stdout is the path of golden.json.
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

model_dir="$("$MODEL_SCRIPTS_DIR/fetch-model.sh" "$@" | tail -n 1)"
take_lock
ensure_venv
VENV_PY "$MODEL_SCRIPTS_DIR/golden_vectors.py" \
  --model-dir "$model_dir" --sentences "$MODEL_SCRIPTS_DIR/golden-sentences.json"
echo "$model_dir/golden.json"
