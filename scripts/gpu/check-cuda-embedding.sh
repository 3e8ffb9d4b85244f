#!/usr/bin/env bash
# CUDA execution-provider check of the embedding service, for a node with an NVIDIA GPU,
# CUDA 12 and cuDNN 9 (the requirements of onnxruntime 1.30's CUDA provider).
#
#   bash scripts/gpu/check-cuda-embedding.sh
#
# 1. makes sure the model is there (scripts/model/fetch-model.sh);
# 2. installs onnxruntime-node's CUDA provider libraries if missing: they are the same
#    libonnxruntime_providers_{cuda,shared}.so that PyPI's onnxruntime-gpu wheel of the same
#    version carries, copied beside onnxruntime-node's own libonnxruntime.so;
# 3. embeds the golden sentences on CPU and on CUDA through the service's encoder and fails
#    unless every pair agrees to cosine >= 0.999.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

ort_version=$(node -p "require('onnxruntime-node/package.json').version")
ort_dir=$(node -p "require('path').dirname(require.resolve('onnxruntime-node/package.json'))")/bin/napi-v6/linux/x64
echo "onnxruntime-node $ort_version, binaries in $ort_dir" >&2
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || { echo "no NVIDIA GPU visible (nvidia-smi failed)" >&2; exit 1; }

if [ ! -f "$ort_dir/libonnxruntime_providers_cuda.so" ]; then
  work=$(mktemp -d)
  echo "fetching the CUDA provider of onnxruntime $ort_version (PyPI onnxruntime-gpu wheel)" >&2
  python3 -m pip download --no-deps --quiet --dest "$work" "onnxruntime-gpu==$ort_version" \
    --platform manylinux_2_28_x86_64 --only-binary=:all: --python-version 3.11 >&2
  (cd "$work" && python3 -m zipfile -e ./*.whl extracted >/dev/null)
  cp "$work"/extracted/onnxruntime/capi/libonnxruntime_providers_cuda.so "$work"/extracted/onnxruntime/capi/libonnxruntime_providers_shared.so "$ort_dir/"
  rm -rf "$work"
fi

EMBEDDING_MODEL_DIR=${EMBEDDING_MODEL_DIR:-$(bash scripts/model/fetch-model.sh | tail -n 1)}
export EMBEDDING_MODEL_DIR
node -r @swc-node/register scripts/gpu/cuda-parity.ts
