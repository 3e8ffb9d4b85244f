#!/usr/bin/env python3
"""Reference ("golden") embeddings for the sentences in golden-sentences.json.

The pipeline is the model card's, with the model's own files only:
  text -> prefix (queryPrefix / documentPrefix from shopsense-model.json)
       -> tokenizer.json (truncation to maxLength, padding to the batch's
          longest with the pad token) -> model.onnx (onnxruntime, CPU)
       -> mean pooling of last_hidden_state over the attention mask
       -> L2 normalisation.
The batched result is checked against the graph's own `sentence_embedding`
output and against one-sentence-at-a-time runs (no padding), so the vectors do
not depend on batching. Writes <model-dir>/golden.json:
  [{"text": ..., "kind": "query"|"document", "vector": [...]}]
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer


def embed(sess, names, tok, texts, max_len, pad_id):
    tok.enable_truncation(max_length=max_len)
    tok.enable_padding(pad_id=pad_id, pad_token=tok.id_to_token(pad_id))
    enc = tok.encode_batch(texts)
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.array([e.type_ids for e in enc], dtype=np.int64)
    hidden, graph_pooled = sess.run(["last_hidden_state", "sentence_embedding"], feed)
    m = mask[:, :, None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled, graph_pooled, [len(e.ids) - e.ids.count(pad_id) for e in enc]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--sentences", required=True)
    ap.add_argument("--out", help="default <model-dir>/golden.json")
    args = ap.parse_args()

    d = args.model_dir
    meta = json.load(open(f"{d}/shopsense-model.json", encoding="utf-8"))
    sents = json.load(open(args.sentences, encoding="utf-8"))["sentences"]
    prefix = {"query": meta["queryPrefix"], "document": meta["documentPrefix"]}
    texts = [prefix[s["kind"]] + s["text"] for s in sents]

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1  # deterministic reductions
    sess = ort.InferenceSession(f"{d}/model.onnx", opts, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    tok = Tokenizer.from_file(f"{d}/tokenizer.json")

    vecs, graph_vecs, _ = embed(sess, names, tok, texts, meta["maxLength"], meta["padTokenId"])
    single = np.concatenate([embed(sess, names, tok, [t], meta["maxLength"], meta["padTokenId"])[0]
                             for t in texts])
    d_graph = float(np.abs(vecs - graph_vecs).max())
    d_single = float(np.abs(vecs - single).max())
    print(f"[golden] {len(texts)} sentences, dim {vecs.shape[1]}; max |batched - sentence_embedding| "
          f"{d_graph:.2e}, max |batched - unpadded| {d_single:.2e}", file=sys.stderr)
    assert vecs.shape[1] == meta["dimension"]
    assert d_graph < 1e-5 and d_single < 1e-4, "pooling or padding mismatch"

    # a sanity report: does each query's nearest document share its topic?
    sims = vecs @ vecs.T
    docs = [i for i, s in enumerate(sents) if s["kind"] == "document"]
    hits = 0
    for i, s in enumerate(sents):
        if s["kind"] != "query":
            continue
        best = max(docs, key=lambda j: sims[i, j])
        hits += sents[best].get("topic") == s.get("topic")
    nq = sum(s["kind"] == "query" for s in sents)
    print(f"[golden] nearest document has the query's topic for {hits}/{nq} queries", file=sys.stderr)

    out = [{"text": s["text"], "kind": s["kind"], "vector": [round(float(x), 8) for x in v]}
           for s, v in zip(sents, vecs)]
    path = args.out or f"{d}/golden.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
        f.write("\n")
    print(f"[golden] wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
