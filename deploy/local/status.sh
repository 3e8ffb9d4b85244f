#!/usr/bin/env bash
# deploy/local/status.sh [--topics]: tell whether the local Redis and Kafka run and answer.
# Exit 0 when both answer, 1 otherwise. --topics also lists the topics (starts a JVM, ~2 s).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

rc=0
if redis_answers; then
  echo "redis: up, pid $(redis_pid || echo '?'), $REDIS_URL"
else
  echo "redis: DOWN ($REDIS_URL)"
  rc=1
fi
if kafka_answers; then
  echo "kafka: up, pid $(kafka_pid || echo '?'), $KAFKA_BROKERS (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
  if [ "${1:-}" = "--topics" ]; then
    prepare_dirs
    kafka_tool "$KAFKA_TOPIC_CLASS" --bootstrap-server "$KAFKA_BROKERS" --list | sed 's/^/  topic: /'
  fi
else
  if pid="$(kafka_pid)"; then
    echo "kafka: NOT ANSWERING, process $pid exists ($KAFKA_BROKERS)"
  else
    echo "kafka: DOWN ($KAFKA_BROKERS)"
  fi
  rc=1
fi
echo "logs:  $LOG_DIR"
[ -f "$ENV_FILE" ] && echo "env:   $ENV_FILE"
exit "$rc"
