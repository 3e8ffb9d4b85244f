#!/usr/bin/env bash
# deploy/local/kafka.sh start|stop|restart|status
# The local single-node Kafka (KRaft, broker+controller) on 127.0.0.1:${SHOPSENSE_KAFKA_PORT:-39092}.
#   start    install the jars if missing, start if not running, wait until it answers
#   stop     SIGTERM (clean shutdown), wait for the exit; SIGKILL after SHOPSENSE_KAFKA_STOP_TIMEOUT
#   restart  stop, then start (topics and data are kept)
#   status   exit 0 when the broker answers
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

case "${1:-}" in
  start) take_lock; kafka_start ;;
  stop) take_lock; kafka_stop ;;
  restart) take_lock; kafka_stop; kafka_start ;;
  status)
    if kafka_answers; then
      echo "kafka: answering on $KAFKA_BROKERS (pid $(kafka_pid || echo '?'))"
    else
      echo "kafka: not answering on $KAFKA_BROKERS"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|restart|status" >&2
    exit 2
    ;;
esac
