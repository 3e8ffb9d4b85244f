#!/usr/bin/env bash
# deploy/local/up.sh: install what is missing, start Redis and Kafka on loopback if they are
# not running, wait until both answer, create the topics of topics.conf that are missing and
# write deploy/local/.work/env. Idempotent; quick when everything already runs.
# stdout gets only the export lines, so `eval "$(deploy/local/up.sh)"` works; progress is on stderr.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

t0=$SECONDS
take_lock
log "logs: $LOG_DIR"
redis_start
kafka_start
kafka_ensure_topics
write_env_file
log "up in $((SECONDS - t0))s; env file: $ENV_FILE"
grep '^export' "$ENV_FILE"
