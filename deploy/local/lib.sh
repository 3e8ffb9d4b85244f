# shellcheck shell=bash
# Shared functions of the deploy/local scripts (up.sh, down.sh, status.sh, kafka.sh, redis.sh).
# Sourced, never executed. Everything runs on loopback (127.0.0.1) and keeps its state under
# deploy/local/.work/ (gitignored): jars, data, logs, pid files, the env file.

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK_DIR="$LOCAL_DIR/.work"
LOG_DIR="$WORK_DIR/logs"
DATA_DIR="$WORK_DIR/data"
RUN_DIR="$WORK_DIR/run"
ENV_FILE="$WORK_DIR/env"
TOPICS_FILE="$LOCAL_DIR/topics.conf"

KAFKA_POM="$LOCAL_DIR/kafka/pom.xml"
KAFKA_WORK="$WORK_DIR/kafka"
KAFKA_LIBS="$KAFKA_WORK/libs"
KAFKA_LIBS_STAMP="$KAFKA_WORK/libs.pom.sha256"
KAFKA_CONF="$KAFKA_WORK/server.properties"
KAFKA_CLUSTER_ID_FILE="$KAFKA_WORK/cluster.id"
KAFKA_DATA="$DATA_DIR/kafka"
KAFKA_PIDFILE="$RUN_DIR/kafka.pid"
KAFKA_SERVER_LOG="$LOG_DIR/kafka-server.log"
KAFKA_OUT_LOG="$LOG_DIR/kafka.out"
KAFKA_TOOLS_LOG="$LOG_DIR/kafka-tools.log"
MAVEN_LOG="$LOG_DIR/maven.log"

REDIS_DATA="$DATA_DIR/redis"
REDIS_PIDFILE="$RUN_DIR/redis.pid"
REDIS_LOG="$LOG_DIR/redis.log"

# Main classes (Kafka 4.x): broker+controller, storage formatter, topic tool.
KAFKA_MAIN_CLASS="kafka.Kafka"
KAFKA_STORAGE_CLASS="kafka.tools.StorageTool"
KAFKA_TOPIC_CLASS="org.apache.kafka.tools.TopicCommand"

KAFKA_PORT="${SHOPSENSE_KAFKA_PORT:-39092}"
KAFKA_CONTROLLER_PORT="${SHOPSENSE_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
REDIS_PORT="${SHOPSENSE_REDIS_PORT:-36379}"
KAFKA_HEAP_OPTS="${SHOPSENSE_KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
KAFKA_START_TIMEOUT="${SHOPSENSE_KAFKA_START_TIMEOUT:-120}"
KAFKA_STOP_TIMEOUT="${SHOPSENSE_KAFKA_STOP_TIMEOUT:-60}"
REDIS_START_TIMEOUT="${SHOPSENSE_REDIS_START_TIMEOUT:-20}"
REDIS_STOP_TIMEOUT="${SHOPSENSE_REDIS_STOP_TIMEOUT:-20}"

KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

for _v in KAFKA_PORT KAFKA_CONTROLLER_PORT REDIS_PORT KAFKA_START_TIMEOUT KAFKA_STOP_TIMEOUT \
  REDIS_START_TIMEOUT REDIS_STOP_TIMEOUT; do
  if ! [[ "${!_v}" =~ ^[0-9]+$ ]]; then
    echo "[local] error: $_v must be a number, got '${!_v}'" >&2
    exit 2
  fi
done
unset _v

# ---------------------------------------------------------------------------------------------
# messages

log() { echo "[local] $*" >&2; }
warn() { echo "[local] warning: $*" >&2; }
die() {
  echo "[local] error: $*" >&2
  exit 1
}

# show_log_tail FILE...: the last 50 lines of each non-empty file, on stderr.
show_log_tail() {
  local f
  for f in "$@"; do
    if [ -s "$f" ]; then
      echo "----- last 50 lines of $f -----" >&2
      tail -n 50 "$f" >&2
      echo "----- end of $f -----" >&2
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# setup

prepare_dirs() {
  mkdir -p "$WORK_DIR" "$LOG_DIR" "$DATA_DIR" "$RUN_DIR" "$KAFKA_WORK"
}

# take_lock: one deploy/local script at a time (parallel test runners may all call up.sh).
# The lock is fd 9, released when the script exits; started servers get 9>&- so they do not
# inherit it.
take_lock() {
  prepare_dirs
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$WORK_DIR/lock"
  if ! flock -n 9; then
    log "another deploy/local script is running; waiting for it (up to 600 s)"
    flock -w 600 9 || die "could not take $WORK_DIR/lock within 600 s"
  fi
}

_APT_UPDATED=""
# apt_install PKG...: install Debian packages (root, or sudo without password).
apt_install() {
  local sudo="" rc=0 made_policy=0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* yourself"
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: install $* yourself"
    sudo="sudo -n"
  fi
  prepare_dirs
  if [ -z "$_APT_UPDATED" ]; then
    log "apt-get update (log: $LOG_DIR/apt.log)"
    $sudo apt-get -o DPkg::Lock::Timeout=300 update >>"$LOG_DIR/apt.log" 2>&1 || {
      show_log_tail "$LOG_DIR/apt.log"
      die "apt-get update failed"
    }
    _APT_UPDATED=1
  fi
  # Keep the package's init script from starting a system-wide service (no systemd here;
  # we start our own instance on our own port).
  if [ -z "$sudo" ] && [ ! -e /usr/sbin/policy-rc.d ] && [ -w /usr/sbin ]; then
    printf '#!/bin/sh\n# temporary, written by shopsense deploy/local\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  log "apt-get install -y $*"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
    --no-install-recommends "$@" >>"$LOG_DIR/apt.log" 2>&1 || rc=$?
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ "$rc" -ne 0 ]; then
    show_log_tail "$LOG_DIR/apt.log"
    die "apt-get install $* failed"
  fi
}

ensure_java() {
  local v major
  if ! command -v java >/dev/null 2>&1; then
    apt_install openjdk-17-jre-headless
  fi
  v="$(java -version 2>&1 | head -n 1)"
  major="$(sed -E 's/.*version "([0-9]+)(\.[0-9]+)*.*/\1/' <<<"$v")"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt 17 ]; then
    die "Kafka 4 needs Java 17 or newer; 'java -version' says: $v"
  fi
}

ensure_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    apt_install maven
  fi
}

ensure_redis_installed() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    apt_install redis-server redis-tools
  fi
}

# ensure_kafka_jars: copy the jars of kafka/pom.xml into .work/kafka/libs with Maven, unless
# they are already there for this very pom (its sha256 is kept next to them).
ensure_kafka_jars() {
  local want have="" tmp
  want="$(sha256sum "$KAFKA_POM" | cut -d ' ' -f 1)"
  [ -f "$KAFKA_LIBS_STAMP" ] && have="$(cat "$KAFKA_LIBS_STAMP")"
  if [ "$want" = "$have" ] && compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  ensure_java
  ensure_maven
  prepare_dirs
  log "resolving the Kafka jars with Maven from $KAFKA_POM (log: $MAVEN_LOG)"
  tmp="$KAFKA_WORK/libs.tmp"
  rm -rf "$tmp"
  if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" >"$MAVEN_LOG" 2>&1 </dev/null; then
    show_log_tail "$MAVEN_LOG"
    die "Maven could not resolve the Kafka jars (see $MAVEN_LOG)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "Maven ran but no kafka_2.13 jar in $tmp"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  echo "$want" >"$KAFKA_LIBS_STAMP"
  if kafka_pid >/dev/null; then
    warn "the jars changed while Kafka is running: run deploy/local/kafka.sh restart to use them"
  fi
}

# ---------------------------------------------------------------------------------------------
# processes

# cmdline_of PID: the process's command line, spaces between arguments ('' if gone/zombie).
cmdline_of() {
  { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null || true
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  # shellcheck disable=SC2016 # $0 expands in the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null
}

# wait_gone PID SECONDS: 0 once the process has exited, 1 if still there after SECONDS.
wait_gone() {
  local pid="$1" deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null && [ -n "$(cmdline_of "$pid")" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
    sleep 0.2
  done
  return 0
}

# stop_pid NAME PID TIMEOUT: SIGTERM, wait for the exit, SIGKILL after TIMEOUT seconds.
stop_pid() {
  local name="$1" pid="$2" timeout="$3"
  kill -TERM "$pid" 2>/dev/null || return 0
  if wait_gone "$pid" "$timeout"; then
    return 0
  fi
  warn "$name (pid $pid) did not exit within ${timeout}s of SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 10 || die "$name (pid $pid) survived SIGKILL"
}

# ---------------------------------------------------------------------------------------------
# Kafka

# kafka_pid: print the pid of our broker (from the pid file, or found by its unique config path
# when the pid file was lost) and succeed; fail when none runs.
kafka_pid() {
  local pid="" p
  if [ -f "$KAFKA_PIDFILE" ]; then
    pid="$(cat "$KAFKA_PIDFILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cmdline_of "$pid")" == *" $KAFKA_MAIN_CLASS $KAFKA_CONF"* ]]; then
      echo "$pid"
      return 0
    fi
    rm -f "$KAFKA_PIDFILE"
  fi
  # pid file lost (e.g. .work removed under a running broker): look for our unique config path
  for p in $(grep -lzF -- "$KAFKA_CONF" /proc/[0-9]*/cmdline 2>/dev/null || true); do
    pid="${p#/proc/}"
    pid="${pid%/cmdline}"
    if [[ "$(cmdline_of "$pid")" == *" $KAFKA_MAIN_CLASS $KAFKA_CONF"* ]]; then
      if [ -d "$RUN_DIR" ]; then echo "$pid" >"$KAFKA_PIDFILE"; fi
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# kafka_answers: send a Kafka ApiVersions request over bash's /dev/tcp and check that
# a response with our correlation id comes back. The broker only processes requests once it
# has caught up with the metadata log and is unfenced, so this means "ready for clients".
kafka_answers() {
  # shellcheck disable=SC2016 # $0 expands in the inner bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
    # size=15, api_key=18 (ApiVersions), version=0, correlation_id=0x2a, client_id="probe"
    printf "\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x2a\x00\x05probe" >&3
    resp="$(head -c 8 <&3 | od -An -tx1 | tr -d " \n")"
    [ "${resp:8:8}" = "0000002a" ]
  ' "$KAFKA_PORT" 2>/dev/null
}

# kafka_tool CLASS ARGS...: run one of Kafka's CLI classes from the same jars (stdout passes
# through; stderr goes to the tools log).
kafka_tool() {
  local cls="$1"
  shift
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/tools-log4j2.properties" \
    -cp "$KAFKA_LIBS/*" "$cls" "$@" 2>>"$KAFKA_TOOLS_LOG" </dev/null
}

kafka_write_config() {
  cat >"$KAFKA_CONF" <<EOF
# Generated by deploy/local/lib.sh at each start: edit the script, not this file.
# Single combined broker+controller in KRaft mode, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA

# Topics are created explicitly from deploy/local/topics.conf.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1
default.replication.factor=1
min.insync.replicas=1

# Single node: every internal topic has one replica; few partitions so first use is quick.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# Small and fast for a developer machine / CI.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
log.segment.bytes=67108864
log.retention.hours=24
log.retention.check.interval.ms=60000
EOF
}

# kafka_format_if_needed: format the KRaft storage once (again when the data dir is gone).
kafka_format_if_needed() {
  local cid
  if [ -f "$KAFKA_DATA/meta.properties" ]; then
    return 0
  fi
  if [ -s "$KAFKA_CLUSTER_ID_FILE" ]; then
    cid="$(cat "$KAFKA_CLUSTER_ID_FILE")"
  else
    # a Kafka cluster id is a 16-byte UUID in URL-safe base64 without padding (22 chars)
    cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    echo "$cid" >"$KAFKA_CLUSTER_ID_FILE"
  fi
  rm -rf "$KAFKA_DATA"
  mkdir -p "$KAFKA_DATA"
  log "formatting the KRaft storage in $KAFKA_DATA (cluster id $cid)"
  if ! kafka_tool "$KAFKA_STORAGE_CLASS" format -t "$cid" -c "$KAFKA_CONF" >>"$KAFKA_TOOLS_LOG"; then
    show_log_tail "$KAFKA_TOOLS_LOG"
    die "formatting the Kafka storage failed (see $KAFKA_TOOLS_LOG)"
  fi
}

# log_size FILE: its size in bytes (0 when missing), to show only what a start wrote.
log_size() {
  stat -c %s "$1" 2>/dev/null || echo 0
}

# show_log_tail_since FILE MARK: like show_log_tail, for what was written after byte MARK
# (the logs are appended to across starts; a rotated/shorter file is shown as a whole).
show_log_tail_since() {
  local f="$1" mark="$2" part
  if [ "$mark" -gt 0 ] && [ "$(log_size "$f")" -ge "$mark" ]; then
    part="$KAFKA_WORK/last-start.$(basename "$f")"
    tail -c +"$((mark + 1))" "$f" >"$part"
    if [ -s "$part" ]; then
      echo "----- last 50 lines of $f (this start) -----" >&2
      tail -n 50 "$part" >&2
      echo "----- end of $f -----" >&2
    fi
    rm -f "$part"
  else
    show_log_tail "$f"
  fi
}

KAFKA_SERVER_LOG_MARK=0
KAFKA_OUT_LOG_MARK=0
kafka_fail() {
  show_log_tail_since "$KAFKA_SERVER_LOG" "$KAFKA_SERVER_LOG_MARK"
  show_log_tail_since "$KAFKA_OUT_LOG" "$KAFKA_OUT_LOG_MARK"
  die "$* (logs: $KAFKA_SERVER_LOG, $KAFKA_OUT_LOG)"
}

# kafka_wait_ready PID: wait until the broker answers, or fail with the log tail.
kafka_wait_ready() {
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ! kafka_answers; do
    if [ -z "$(cmdline_of "$pid")" ]; then
      rm -f "$KAFKA_PIDFILE"
      kafka_fail "Kafka (pid $pid) exited during start-up"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kafka_fail "Kafka (pid $pid) did not answer on $KAFKA_BROKERS within ${KAFKA_START_TIMEOUT}s; it is left running (deploy/local/down.sh stops it)"
    fi
    sleep 0.3
  done
}

kafka_start() {
  local pid running_port t0=$SECONDS
  prepare_dirs
  ensure_java
  ensure_kafka_jars
  if pid="$(kafka_pid)"; then
    running_port="$(sed -n 's/^advertised.listeners=PLAINTEXT:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$KAFKA_CONF" 2>/dev/null || true)"
    if [ -n "$running_port" ] && [ "$running_port" != "$KAFKA_PORT" ]; then
      die "our Kafka (pid $pid) runs on port $running_port, not $KAFKA_PORT: stop it first (deploy/local/kafka.sh stop) or use that port"
    fi
    if [ -f "$KAFKA_DATA/meta.properties" ]; then
      kafka_wait_ready "$pid"
      log "Kafka already running (pid $pid) on $KAFKA_BROKERS"
      return 0
    fi
    warn "Kafka (pid $pid) runs without its data dir $KAFKA_DATA; restarting it on a fresh one"
    kafka_stop
  fi
  if port_open "$KAFKA_PORT"; then
    die "port $KAFKA_PORT is taken by another process (not our broker); set SHOPSENSE_KAFKA_PORT"
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_CONTROLLER_PORT is taken by another process; set SHOPSENSE_KAFKA_CONTROLLER_PORT"
  fi
  kafka_write_config
  kafka_format_if_needed
  log "starting Kafka on $KAFKA_BROKERS (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, log: $KAFKA_SERVER_LOG)"
  KAFKA_SERVER_LOG_MARK="$(log_size "$KAFKA_SERVER_LOG")"
  KAFKA_OUT_LOG_MARK="$(log_size "$KAFKA_OUT_LOG")"
  echo "===== $(date -Is) starting $KAFKA_MAIN_CLASS =====" >>"$KAFKA_OUT_LOG"
  # setsid: own session, so a Ctrl-C or a test runner killing its process group leaves it be.
  # shellcheck disable=SC2086
  setsid java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOG_DIR" \
    -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" "$KAFKA_MAIN_CLASS" "$KAFKA_CONF" \
    >>"$KAFKA_OUT_LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$KAFKA_PIDFILE"
  kafka_wait_ready "$pid"
  log "Kafka ready (pid $pid) on $KAFKA_BROKERS after $((SECONDS - t0))s"
}

kafka_stop() {
  local pid
  if ! pid="$(kafka_pid)"; then
    log "Kafka is not running"
    rm -f "$KAFKA_PIDFILE"
    return 0
  fi
  log "stopping Kafka (pid $pid, SIGTERM, up to ${KAFKA_STOP_TIMEOUT}s)"
  stop_pid Kafka "$pid" "$KAFKA_STOP_TIMEOUT"
  rm -f "$KAFKA_PIDFILE"
  log "Kafka stopped"
}

# read_topics: print "name partitions policy" for each topic of topics.conf.
read_topics() {
  local name parts policy extra
  while read -r name parts policy extra || [ -n "$name" ]; do
    case "$name" in '' | '#'*) continue ;; esac
    if ! [[ "$parts" =~ ^[1-9][0-9]*$ ]] || ! [[ "$policy" =~ ^(delete|compact|compact,delete|delete,compact)$ ]] || [ -n "$extra" ]; then
      die "bad line in $TOPICS_FILE: '$name $parts $policy $extra' (want: name partitions delete|compact)"
    fi
    echo "$name $parts $policy"
  done <"$TOPICS_FILE"
}

# kafka_ensure_topics: list the topics once, create the missing ones (in parallel, one JVM each).
kafka_ensure_topics() {
  local existing name parts policy pids=() names=() i rc=0 wanted
  wanted="$(read_topics)"
  if ! existing="$(kafka_tool "$KAFKA_TOPIC_CLASS" --bootstrap-server "$KAFKA_BROKERS" --list)"; then
    show_log_tail "$KAFKA_TOOLS_LOG"
    die "listing the Kafka topics failed (see $KAFKA_TOOLS_LOG and $KAFKA_SERVER_LOG)"
  fi
  while read -r name parts policy; do
    [ -n "$name" ] || continue
    if grep -qxF -- "$name" <<<"$existing"; then continue; fi
    log "creating topic $name (partitions=$parts, cleanup.policy=$policy)"
    kafka_tool "$KAFKA_TOPIC_CLASS" --bootstrap-server "$KAFKA_BROKERS" --create --if-not-exists \
      --topic "$name" --partitions "$parts" --replication-factor 1 \
      --config "cleanup.policy=$policy" >>"$KAFKA_TOOLS_LOG" &
    pids+=("$!")
    names+=("$name")
  done <<<"$wanted"
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      warn "creating topic ${names[$i]} failed"
      rc=1
    fi
  done
  if [ "$rc" -ne 0 ]; then
    show_log_tail "$KAFKA_TOOLS_LOG"
    die "creating Kafka topics failed (see $KAFKA_TOOLS_LOG)"
  fi
  if [ "${#names[@]}" -eq 0 ]; then
    log "topics present: $(cut -d ' ' -f 1 <<<"$wanted" | tr '\n' ' ')"
  fi
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_answers() {
  command -v redis-cli >/dev/null 2>&1 || return 1
  [ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

# redis_pid: pid of our Redis (pid file, or asked from the server on our port), or fail.
redis_pid() {
  local pid=""
  if [ -f "$REDIS_PIDFILE" ]; then
    pid="$(cat "$REDIS_PIDFILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cmdline_of "$pid")" == *redis-server* ]]; then
      echo "$pid"
      return 0
    fi
  fi
  if redis_answers; then
    pid="$(timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server 2>/dev/null |
      sed -n 's/^process_id:\([0-9]*\).*/\1/p')"
    if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cmdline_of "$pid")" == *redis-server* ]]; then
      echo "$pid"
      return 0
    fi
  fi
  return 1
}

redis_start() {
  local deadline pid
  prepare_dirs
  ensure_redis_installed
  if redis_answers; then
    if pid="$(redis_pid)"; then
      log "Redis already running (pid $pid) on $REDIS_URL"
    else
      log "Redis already answering on $REDIS_URL"
    fi
    return 0
  fi
  if [ -f "$REDIS_PIDFILE" ]; then
    pid="$(cat "$REDIS_PIDFILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cmdline_of "$pid")" == *redis-server* ]]; then
      die "our Redis (pid $pid: $(cmdline_of "$pid" | xargs)) does not answer on port $REDIS_PORT: stop it first (deploy/local/redis.sh stop) or use its port"
    fi
  fi
  if port_open "$REDIS_PORT"; then
    die "port $REDIS_PORT is taken by something that is not Redis; set SHOPSENSE_REDIS_PORT"
  fi
  mkdir -p "$REDIS_DATA"
  log "starting Redis on $REDIS_URL (log: $REDIS_LOG)"
  if ! redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' \
    --appendonly no --dir "$REDIS_DATA" --logfile "$REDIS_LOG" --pidfile "$REDIS_PIDFILE" \
    </dev/null 9>&-; then
    show_log_tail "$REDIS_LOG"
    die "redis-server failed to start (log: $REDIS_LOG)"
  fi
  deadline=$((SECONDS + REDIS_START_TIMEOUT))
  until redis_answers; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "$REDIS_LOG"
      die "Redis did not answer PING on $REDIS_URL within ${REDIS_START_TIMEOUT}s (log: $REDIS_LOG)"
    fi
    sleep 0.2
  done
  log "Redis ready on $REDIS_URL"
}

redis_stop() {
  local pid
  if ! pid="$(redis_pid)"; then
    log "Redis is not running"
    rm -f "$REDIS_PIDFILE"
    return 0
  fi
  log "stopping Redis (pid $pid)"
  stop_pid Redis "$pid" "$REDIS_STOP_TIMEOUT"
  rm -f "$REDIS_PIDFILE"
  log "Redis stopped"
}

# ---------------------------------------------------------------------------------------------

write_env_file() {
  prepare_dirs
  cat >"$ENV_FILE.tmp" <<EOF
# Written by deploy/local/up.sh: source it to reach the local Kafka and Redis.
export KAFKA_BROKERS=$KAFKA_BROKERS
export REDIS_URL=$REDIS_URL
export SHOPSENSE_KAFKA_PORT=$KAFKA_PORT
export SHOPSENSE_KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT
export SHOPSENSE_REDIS_PORT=$REDIS_PORT
export SHOPSENSE_LOCAL_LOGS=$LOG_DIR
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}
