#!/usr/bin/env bash
# deploy/local/down.sh: stop Kafka and Redis (SIGTERM and wait, SIGKILL after a timeout).
# Data, jars and logs stay in deploy/local/.work/; `rm -rf deploy/local/.work` for a clean slate.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

take_lock
kafka_stop
redis_stop
