#!/usr/bin/env bash
# scripts/test-under-load.sh [runs]: `npm test` while two processes spin on the CPU (the busy
# laptop of issue 25), `runs` times in a row (default 1); prints each run's time and verdict and
# exits non-zero if any run failed. The spinners are stopped on every exit path.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-1}
spinners=()
stop_spinners() { for pid in "${spinners[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop_spinners EXIT
for _ in 1 2; do
  node -e 'for (;;) {}' &
  spinners+=($!)
done
echo "== two CPU spinners running (pids ${spinners[*]}); $runs run(s) of npm test"
failed=0
for run in $(seq 1 "$runs"); do
  started=$SECONDS
  log=$(mktemp -t test-under-load-XXXXXX.log)
  if npm test >"$log" 2>&1; then verdict=passed; else verdict=FAILED; failed=$((failed + 1)); fi
  echo "run $run: $verdict in $(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s; $(tail -n 1 "$log") (log: $log)"
done
exit $((failed > 0))
