#!/usr/bin/env bash
# Optional: write <model-dir>/model.int8.onnx, a dynamic-INT8 copy of
# model.onnx (onnxruntime.quantization.quantize_dynamic: MatMul weights int8
# per output channel, activations quantised at run time), plus
# model.int8.json (sha256 of both files, size, agreement with fp32 on the
# golden sentences). Same inputs/outputs as model.onnx.
#
# usage: scripts/model/quantize-int8.sh [model-name]   (fetches the model first)
# Idempotent; the last line on stdout is the path of model.int8.onnx.
set -euo pipefail
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

model_dir="$("$MODEL_SCRIPTS_DIR/fetch-model.sh" "$@" | tail -n 1)"
take_lock
ensure_venv
VENV_PY - "$model_dir" "$MODEL_SCRIPTS_DIR/golden-sentences.json" >&2 <<'PY'
import hashlib, json, os, sys
import numpy as np, onnxruntime as ort
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer

d, sentences = sys.argv[1], sys.argv[2]
src, dst, side = f"{d}/model.onnx", f"{d}/model.int8.onnx", f"{d}/model.int8.json"
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
src_sha = sha(src)
if os.path.exists(dst) and os.path.exists(side):
    rec = json.load(open(side))
    if rec.get("sourceSha256") == src_sha and rec.get("sha256") == sha(dst):
        print(f"[model] {dst} is up to date")
        sys.exit(0)
print(f"[model] quantize_dynamic {src} -> {dst}")
quantize_dynamic(src, dst + ".tmp", weight_type=QuantType.QInt8, per_channel=True,
                 op_types_to_quantize=["MatMul"])
os.replace(dst + ".tmp", dst)

meta = json.load(open(f"{d}/shopsense-model.json"))
tok = Tokenizer.from_file(f"{d}/tokenizer.json")
prefix = {"query": meta["queryPrefix"], "document": meta["documentPrefix"]}
texts = [prefix[s["kind"]] + s["text"] for s in json.load(open(sentences))["sentences"]]
def run(path):
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [i.name for i in s.get_inputs()]
    out = []
    for t in texts:
        ids = np.array([tok.encode(t).ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in names:
            feed["token_type_ids"] = np.zeros_like(ids)
        out.append(s.run(["sentence_embedding"], feed)[0][0])
    return np.stack(out)
cos = (run(src) * run(dst)).sum(axis=1)
rec = {"file": "model.int8.onnx", "method": "onnxruntime quantize_dynamic, QInt8, per-channel, MatMul",
       "onnxruntime": ort.__version__, "sourceSha256": src_sha, "sha256": sha(dst),
       "bytes": os.path.getsize(dst),
       "cosineVsFp32OnGolden": {"min": round(float(cos.min()), 5), "mean": round(float(cos.mean()), 5)}}
json.dump(rec, open(side, "w"), indent=2)
print(f"[model] int8: {rec['bytes'] / 1e6:.1f} MB, cosine vs fp32 on golden sentences "
      f"min {cos.min():.4f} mean {cos.mean():.4f}")
PY
echo "$model_dir/model.int8.onnx"
