#!/bin/sh
# Entrypoint of the ShopSense image: one image, one command per service.
#   shopsense <service>        ranking | query-understanding | embedding | retrieval | feedback
#   shopsense kafka-topics     create/grow the Kafka topics (the Helm chart's hook Job)
#   shopsense healthcheck      gRPC health check of the service in this container
# The image holds the services compiled to JavaScript (scripts/build/compile-in-place.js, at
# build time): a start compiles nothing.
set -eu
cd "${SHOPSENSE_HOME:-/app}"
command="${1:-help}"
[ "$#" -gt 0 ] && shift
case "$command" in
  ranking | query-understanding | embedding | retrieval | feedback)
    exec node "services/$command/src/main.js" "$@" ;;
  kafka-topics)
    exec node scripts/helm/create-kafka-topics.js "$@" ;;
  healthcheck)
    exec node scripts/grpc-healthcheck.js "$@" ;;
  help | -h | --help)
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
    exit 0 ;;
  *)
    echo "shopsense: unknown command '$command' (try: help)" >&2
    exit 64 ;;
esac
