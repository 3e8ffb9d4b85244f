#!/usr/bin/env bash
# deploy/local/redis.sh start|stop|restart|status
# The local Redis on 127.0.0.1:${SHOPSENSE_REDIS_PORT:-36379} (no persistence).
#   start    apt-get install redis-server if missing, start if not running, wait for PONG
#   stop     SIGTERM, wait for the exit; SIGKILL after SHOPSENSE_REDIS_STOP_TIMEOUT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

case "${1:-}" in
  start) take_lock; redis_start ;;
  stop) take_lock; redis_stop ;;
  restart) take_lock; redis_stop; redis_start ;;
  status)
    if redis_answers; then
      echo "redis: answering on $REDIS_URL (pid $(redis_pid || echo '?'))"
    else
      echo "redis: not answering on $REDIS_URL"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|restart|status" >&2
    exit 2
    ;;
esac
