#!/usr/bin/env bash
# Sluice local services without Docker: Apache Kafka (single-node KRaft), Apicurio Registry
# (Confluent-compatible API), PostgreSQL (wal_level=logical) and Kafka Connect with the
# Debezium PostgreSQL connector.
#
#   scripts/services.sh up     [kafka|registry|postgres|connect ...]   fetch if needed, start, wait until healthy
#   scripts/services.sh down   [kafka|registry|postgres|connect ...]   stop cleanly
#   scripts/services.sh status [kafka|registry|postgres|connect ...]   exit 0 only if all named are healthy
#   scripts/services.sh fetch  [kafka|registry|postgres|connect ...]   download/install only
#   scripts/services.sh home   [kafka|registry|postgres|connect ...]   print where each one's downloads live
#   scripts/services.sh env                                            print SLUICE_* connection variables
#   scripts/services.sh clean  [kafka|registry|postgres|connect ...]   stop and delete data (keeps downloads)
#
# No names means kafka, registry and postgres (connect only when named: it needs kafka up
# first). Every command is idempotent. See scripts/SERVICES.md.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="${SLUICE_SERVICES_DIR:-$REPO_ROOT/.services}"
LOG_DIR="$SERVICES_DIR/logs"
RUN_DIR="$SERVICES_DIR/run"
TIMEOUT="${SLUICE_SERVICES_TIMEOUT:-180}"        # seconds to wait for a service to become healthy

JAVA="${SLUICE_JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}"
MVN="${SLUICE_MVN:-mvn}"
MVN_REPO="${SLUICE_MAVEN_REPO:-}"                # a Maven local repository other than ~/.m2/repository

KAFKA_VERSION="${SLUICE_KAFKA_VERSION:-4.4.0}"   # why this one: scripts/SERVICES.md
KAFKA_HOST="${SLUICE_KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${SLUICE_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${SLUICE_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${SLUICE_KAFKA_HEAP:--Xms256m -Xmx512m}"
KAFKA_HOME="${SLUICE_KAFKA_HOME:-$SERVICES_DIR/kafka/$KAFKA_VERSION}"   # jars; another SERVICES_DIR may share them
KAFKA_DATA="${SLUICE_KAFKA_DATA:-$SERVICES_DIR/kafka/data}"

REGISTRY_VERSION="${SLUICE_REGISTRY_VERSION:-3.0.9}"
REGISTRY_HOST="${SLUICE_REGISTRY_HOST:-127.0.0.1}"
REGISTRY_PORT="${SLUICE_REGISTRY_PORT:-8081}"
REGISTRY_HEAP="${SLUICE_REGISTRY_HEAP:--Xms128m -Xmx384m}"
REGISTRY_HOME="$SERVICES_DIR/registry/$REGISTRY_VERSION"
# Confluent Schema Registry's default; Apicurio's own default is NONE (no check)
REGISTRY_COMPATIBILITY="${SLUICE_REGISTRY_COMPATIBILITY:-BACKWARD}"

PG_HOST=127.0.0.1
PG_PORT="${SLUICE_PG_PORT:-5432}"
PG_DB="${SLUICE_PG_DATABASE:-sluice}"
PG_USER="${SLUICE_PG_USER:-sluice}"
PG_PASSWORD="${SLUICE_PG_PASSWORD:-sluice}"
PG_DATA="${SLUICE_PG_DATA:-$SERVICES_DIR/postgres/data}"
PG_SOCKET_DIR="${SLUICE_PG_SOCKET_DIR:-$SERVICES_DIR/postgres/run}"

CONNECT_HOST="${SLUICE_CONNECT_HOST:-127.0.0.1}"
CONNECT_PORT="${SLUICE_CONNECT_PORT:-8083}"
CONNECT_HEAP="${SLUICE_CONNECT_HEAP:--Xms128m -Xmx512m}"
DEBEZIUM_VERSION="${SLUICE_DEBEZIUM_VERSION:-3.6.1.Final}"
CONNECT_LOG4J_VERSION="${SLUICE_CONNECT_LOG4J_VERSION:-2.25.5}"   # the broker's (what kafka_2.13 4.4.0 brings)   # why this one: scripts/SERVICES.md
# Debezium 3.6 is built against Kafka 4.3 (4.4's clients dropped classes it uses, such as
# common.utils.Sanitizer): the worker runs Kafka 4.3's Connect; it talks to the 4.4 broker as any client does.
CONNECT_KAFKA_VERSION="${SLUICE_CONNECT_KAFKA_VERSION:-4.3.1}"
CONNECT_HOME="${SLUICE_CONNECT_HOME:-$SERVICES_DIR/connect/$CONNECT_KAFKA_VERSION-debezium-$DEBEZIUM_VERSION}"   # jars; shareable like KAFKA_HOME
# How often the worker flushes source offsets: what a crashed worker re-sends is at most this much.
CONNECT_OFFSET_FLUSH_MS="${SLUICE_CONNECT_OFFSET_FLUSH_MS:-10000}"
# The worker's group, and the prefix of its own topics, so that two workers on one broker keep apart.
CONNECT_GROUP="${SLUICE_CONNECT_GROUP:-sluice-connect}"

ALL_SERVICES=(kafka registry postgres)
KNOWN_SERVICES="kafka registry postgres connect"

# ---------------------------------------------------------------------------------------------
# helpers

say()  { printf '[services] %s\n' "$*"; }
warn() { printf '[services] WARNING: %s\n' "$*" >&2; }
die()  { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
  say "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$LOG_DIR/apt.log" 2>&1 \
    || { tail -20 "$LOG_DIR/apt.log" >&2; die "apt-get update failed (log: $LOG_DIR/apt.log)"; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$LOG_DIR/apt.log" 2>&1 \
    || { tail -20 "$LOG_DIR/apt.log" >&2; die "apt-get install $* failed (log: $LOG_DIR/apt.log)"; }
}

need_java() {
  command -v "$JAVA" >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
  local v
  v="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [ "${v%%.*}" -ge 17 ] 2>/dev/null || die "Java 17 or newer is needed (found '$v' at $JAVA); set SLUICE_JAVA"
}

need_mvn() { command -v "$MVN" >/dev/null 2>&1 || apt_install maven; }
need_curl() { command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates; }

# port_open HOST PORT: something accepts TCP connections there
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

pidfile() { echo "$RUN_DIR/$1.pid"; }

# pid_alive NAME: the pid in the pid file is alive and is still our process (not a reused pid)
pid_alive() {
  local f pid
  f="$(pidfile "$1")"
  [ -s "$f" ] || return 1
  pid="$(cat "$f")"
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-Dsluice.service=$1" || return 1
}

# start_daemon NAME LOGFILE CMD...: start CMD detached (own session), record its pid
start_daemon() {
  local name="$1" log="$2"; shift 2
  [ -s "$log" ] && mv -f "$log" "$log.1"
  # A pid file left by a process that was killed (kill -9, a crash) would pass for the new one's
  # below, and its dead pid would read as "exited during startup".
  rm -f "$(pidfile "$name")"
  # the child writes its own pid and then execs CMD, so the pid file names the JVM itself
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$(pidfile "$name")" "$@" >>"$log" 2>&1 </dev/null 9>&- &
  # wait for the pid file
  local i
  for i in $(seq 1 50); do [ -s "$(pidfile "$name")" ] && return 0; sleep 0.1; done
  die "$name did not start (log: $log)"
}

# stop_daemon NAME: TERM, wait, then KILL
stop_daemon() {
  local name="$1" pid i
  if ! pid_alive "$name"; then rm -f "$(pidfile "$name")"; say "$name: not running"; return 0; fi
  pid="$(cat "$(pidfile "$name")")"
  say "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 "${SLUICE_STOP_TIMEOUT:-60}"); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name did not stop in time; killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$(pidfile "$name")"
  say "$name: stopped"
}

# wait_healthy NAME: poll NAME_healthy until it succeeds, the process dies or the timeout passes
wait_healthy() {
  local name="$1" log="$LOG_DIR/$1.log" start=$SECONDS
  while ! "${name}_healthy"; do
    if [ "$name" != postgres ] && ! pid_alive "$name"; then
      echo "---- last lines of $log" >&2; tail -30 "$log" >&2 || true
      die "$name exited during startup (log: $log)"
    fi
    if [ $((SECONDS - start)) -ge "$TIMEOUT" ]; then
      echo "---- last lines of $log" >&2; tail -30 "$log" >&2 || true
      die "$name not healthy after ${TIMEOUT}s (log: $log)"
    fi
    sleep 1
  done
  say "$name: healthy ($((SECONDS - start))s)"
}

# run_maven TAG POM ARGS...: run Maven on a generated pom, showing each downloaded file
run_maven() {
  local tag="$1" pom="$2"; shift 2
  local log="$LOG_DIR/fetch-$tag.log"
  need_mvn
  set +e
  local repo=()
  [ -z "$MVN_REPO" ] || repo=("-Dmaven.repo.local=$MVN_REPO")
  echo "\$ $MVN -B ${repo[*]} -f $pom $*" >>"$log"
  local t0=$SECONDS ticker
  (while sleep 15; do say "$tag: still downloading ($((SECONDS - t0))s, log: $log)"; done) 9>&- &
  ticker=$!
  "$MVN" -B "${repo[@]+"${repo[@]}"}" -f "$pom" "$@" 2>&1 | tee -a "$log" \
    | grep --line-buffered -E '^(\[INFO\] )?(Downloaded from .*\.(jar|tar\.gz|zip) |Downloading from .*\.tar\.gz$)' \
    | sed -u -E -e 's#.*Downloaded from [^:]*: .*/([^/]+) \((.*)\)#  ['"$tag"'] downloaded \1 (\2)#' \
      -e 's#.*Downloading from [^:]*: (.*)#  ['"$tag"'] downloading \1#'
  local rc="${PIPESTATUS[0]}"
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null
  set -e
  [ "$rc" -eq 0 ] || { grep -E 'ERROR' "$log" | head -10 >&2; die "maven failed for $tag (log: $log)"; }
}

# write_log4j2 FILE LOGGER=LEVEL...: a log4j2 config, INFO to stdout, with those loggers' levels
write_log4j2() {
  local file="$1" n=0 entry; shift
  { echo 'status = warn'
    echo 'appender.stdout.type = Console'
    echo 'appender.stdout.name = STDOUT'
    echo 'appender.stdout.layout.type = PatternLayout'
    echo 'appender.stdout.layout.pattern = [%d] %p %m (%c)%n'
    echo 'rootLogger.level = INFO'
    echo 'rootLogger.appenderRef.stdout.ref = STDOUT'
    for entry in "$@"; do
      n=$((n + 1))
      echo "logger.l$n.name = ${entry%%=*}"
      echo "logger.l$n.level = ${entry#*=}"
    done; } >"$file"
}

pom_header() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/services.sh: only used to download jars into this folder -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice.services</groupId>
  <artifactId>$1</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
EOF
}
pom_footer() {
  cat <<EOF
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
  </plugin></plugins></build>
</project>
EOF
}

# ---------------------------------------------------------------------------------------------
# Kafka

kafka_fetch() {
  [ -f "$KAFKA_HOME/.complete" ] && return 0
  need_java
  : >"$LOG_DIR/fetch-kafka.log"
  say "kafka: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_HOME/libs"
  rm -rf "$KAFKA_HOME/libs"
  mkdir -p "$KAFKA_HOME"
  local logging
  case "$KAFKA_VERSION" in
    # Kafka 3.x logs through slf4j 1.7 -> reload4j (what its own distribution ships)
    2.*|3.*) logging='<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>' ;;
    # Kafka 4.x brings log4j2 (api + core); the slf4j 1.7 binding for it is added below at the same version
    *) logging='' ;;
  esac
  { pom_header kafka
    # kafka-tools-api (runtime scope) only serves the console tools, never the broker; 4.4.0's jar is
    # missing from the Maven Central this project can reach, so it is left out for every version
    echo "    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version>"
    echo "      <exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>kafka-tools-api</artifactId></exclusion></exclusions></dependency>"
    [ -n "$logging" ] && echo "    $logging"
    pom_footer; } >"$KAFKA_HOME/pom.xml"
  run_maven kafka "$KAFKA_HOME/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs"
  local log4j
  log4j="$(ls "$KAFKA_HOME/libs" | sed -n 's/^log4j-core-\(.*\)\.jar$/\1/p' | head -1)"
  if [ -n "$log4j" ]; then
    { pom_header kafka-logging
      echo "    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$log4j</version></dependency>"
      pom_footer; } >"$KAFKA_HOME/pom-logging.xml"
    run_maven kafka "$KAFKA_HOME/pom-logging.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DexcludeTransitive=true -DoutputDirectory="$KAFKA_HOME/libs"
  fi
  [ -f "$KAFKA_HOME/libs/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka_2.13-$KAFKA_VERSION.jar missing after download"
  say "kafka: $(ls "$KAFKA_HOME/libs" | wc -l) jars ($(du -sh "$KAFKA_HOME/libs" | cut -f1))"
  touch "$KAFKA_HOME/.complete"
}

kafka_write_config() {
  mkdir -p "$SERVICES_DIR/kafka"
  cat >"$SERVICES_DIR/kafka/server.properties" <<EOF
# generated by scripts/services.sh on every start; change it through SLUICE_KAFKA_* variables
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
# topics are created explicitly (admin client / the runtime): a typo or a missing internal
# topic is an error, not a silently auto-created 1-partition topic
auto.create.topics.enable=false
delete.topic.enable=true
# one node: the internal topics must live with replication factor 1 for groups and transactions
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
# lets tests use short consumer session timeouts (kill -9 / failover tests); the client picks its own
group.min.session.timeout.ms=1000
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  cat >"$SERVICES_DIR/kafka/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.log=WARN
EOF
  write_log4j2 "$SERVICES_DIR/kafka/log4j2.properties" kafka.request.logger=WARN state.change.logger=WARN \
    org.apache.kafka.storage.internals.log=WARN kafka.log=WARN
}

# KJ: the java command line shared by the storage tool and the broker
kafka_java_cmd() {
  # shellcheck disable=SC2206
  KJ=("$JAVA" $KAFKA_HEAP -Dsluice.service=kafka -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$SERVICES_DIR/kafka/log4j.properties"
    "-Dlog4j2.configurationFile=$SERVICES_DIR/kafka/log4j2.properties"
    "-Dkafka.logs.dir=$LOG_DIR"
    -cp "$KAFKA_HOME/libs/*")
}
kafka_java() { kafka_java_cmd; "${KJ[@]}" "$@"; }

kafka_format() {
  local marker="$KAFKA_DATA/.sluice-kafka-version"
  if [ -f "$KAFKA_DATA/meta.properties" ]; then
    if [ "$(cat "$marker" 2>/dev/null)" = "$KAFKA_VERSION" ]; then return 0; fi
    warn "kafka: data in $KAFKA_DATA was formatted by Kafka $(cat "$marker" 2>/dev/null || echo '?'); wiping it for $KAFKA_VERSION"
    rm -rf "$KAFKA_DATA"
  fi
  mkdir -p "$KAFKA_DATA"
  local cluster_id
  # what `StorageTool random-uuid` prints: 16 random bytes, base64url without padding, not starting with '-'
  cluster_id=-
  while [ "${cluster_id#-}" != "$cluster_id" ]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  say "kafka: formatting $KAFKA_DATA (cluster id $cluster_id)"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVICES_DIR/kafka/server.properties" \
    >>"$LOG_DIR/kafka-format.log" 2>&1 || { tail -20 "$LOG_DIR/kafka-format.log" >&2; die "kafka storage format failed"; }
  echo "$KAFKA_VERSION" >"$marker"
}

# Kafka is healthy when our JVM runs and answers an ApiVersions request (api key 18, v0) with
# error code 0 on its client port: a real protocol round trip, not just an open port.
kafka_healthy() {
  pid_alive kafka || return 1
  local out
  out="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x0e\x00\x12\x00\x00\x00\x00\x00\x07\x00\x04ping" >&3
    head -c 10 <&3 | od -An -tx1' "$KAFKA_HOST" "$KAFKA_PORT" 2>/dev/null)" || return 1
  [ "$(echo $out | cut -d' ' -f5-10)" = "00 00 00 07 00 00" ]
}


kafka_start() {
  kafka_write_config
  kafka_format
  say "kafka: starting Apache Kafka $KAFKA_VERSION (KRaft broker+controller) on $KAFKA_HOST:$KAFKA_PORT"
  kafka_java_cmd
  start_daemon kafka "$LOG_DIR/kafka.log" "${KJ[@]}" kafka.Kafka "$SERVICES_DIR/kafka/server.properties"
}

kafka_home() { echo "$KAFKA_HOME"; }
kafka_ports() { echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT"; }
kafka_host() { echo "$KAFKA_HOST"; }
kafka_running() { pid_alive kafka; }
kafka_down() { stop_daemon kafka; }
kafka_clean() { rm -rf "$KAFKA_DATA"; say "kafka: data deleted ($KAFKA_DATA)"; }
kafka_describe() { echo "Apache Kafka $KAFKA_VERSION at $KAFKA_HOST:$KAFKA_PORT (data $KAFKA_DATA)"; }

# ---------------------------------------------------------------------------------------------
# Apicurio Registry (Confluent-compatible API at /apis/ccompat/v7), in-memory (H2) storage

registry_fetch() {
  [ -f "$REGISTRY_HOME/.complete" ] && return 0
  need_java
  : >"$LOG_DIR/fetch-registry.log"
  say "registry: fetching io.apicurio:apicurio-registry-app:$REGISTRY_VERSION (tar.gz, classifier all) from Maven Central"
  rm -rf "$REGISTRY_HOME"
  mkdir -p "$REGISTRY_HOME"
  # dependency:get of plugin 2.8 fetches the one file without reading the app's parent poms
  # (not all of them are on Central, so copy/copy-dependencies of newer plugins fail)
  mkdir -p "$REGISTRY_HOME/dist"
  { pom_header registry; pom_footer; } >"$REGISTRY_HOME/pom.xml"
  run_maven registry "$REGISTRY_HOME/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:2.8:get \
    -Dartifact="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all" -Dtransitive=false \
    -Ddest="$REGISTRY_HOME/dist/"
  say "registry: unpacking"
  mkdir -p "$REGISTRY_HOME/app"
  tar xzf "$REGISTRY_HOME"/dist/apicurio-registry-app-"$REGISTRY_VERSION"-all.tar.gz -C "$REGISTRY_HOME/app"
  rm -rf "$REGISTRY_HOME/dist"
  registry_jar >/dev/null || die "no runnable jar in $REGISTRY_HOME/app"
  touch "$REGISTRY_HOME/.complete"
}

# Quarkus "fast-jar" layout (quarkus-run.jar) in newer releases, "legacy-jar" (*-runner.jar) in 3.0.x
registry_jar() {
  local j
  for j in "$REGISTRY_HOME/app/quarkus-run.jar" "$REGISTRY_HOME"/app/*-runner.jar; do
    [ -f "$j" ] && { echo "$j"; return 0; }
  done
  return 1
}

registry_start() {
  need_java
  say "registry: starting Apicurio Registry $REGISTRY_VERSION on http://$REGISTRY_HOST:$REGISTRY_PORT"
  local jar; jar="$(registry_jar)"
  mkdir -p "$REGISTRY_HOME/work"
  # shellcheck disable=SC2086
  (cd "$REGISTRY_HOME/work" && start_daemon registry "$LOG_DIR/registry.log" \
    "$JAVA" $REGISTRY_HEAP -Dsluice.service=registry -XX:+ExitOnOutOfMemoryError \
    -Djava.io.tmpdir="$REGISTRY_HOME/work" \
    -Dquarkus.http.host="$REGISTRY_HOST" -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.http.access-log.enabled=false \
    -Dapicurio.rules.global.compatibility="$REGISTRY_COMPATIBILITY" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.datasource.url="jdbc:h2:mem:sluice" \
    -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 \
    -Dapicurio.datasource.jdbc.max-size=20 \
    -jar "$jar")
}

registry_url() { echo "http://$REGISTRY_HOST:$REGISTRY_PORT/apis/ccompat/v7"; }
registry_healthy() {
  pid_alive registry || return 1
  need_curl
  curl -fs -o /dev/null --max-time 3 "$(registry_url)/subjects"
}
registry_home() { echo "$REGISTRY_HOME"; }
registry_ports() { echo "$REGISTRY_PORT"; }
registry_host() { echo "$REGISTRY_HOST"; }
registry_running() { pid_alive registry; }
registry_down() { stop_daemon registry; }
registry_clean() { say "registry: in-memory storage, nothing to delete"; }
registry_describe() { echo "Apicurio Registry $REGISTRY_VERSION, Confluent API at $(registry_url), compatibility $REGISTRY_COMPATIBILITY"; }

# ---------------------------------------------------------------------------------------------
# PostgreSQL (Debian's package), our own cluster in $PG_DATA, TCP on 127.0.0.1 only

if [ "${#PG_SOCKET_DIR}" -gt 90 ]; then PG_SOCKET_DIR="/tmp/sluice-pg-$(id -u)-$PG_PORT"; fi  # unix socket paths are short

pg_bindir() {
  if [ -n "${SLUICE_PG_BIN:-}" ]; then echo "$SLUICE_PG_BIN"; return 0; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  return 1
}
pg_owner() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }
# Run as the postgres user from / (the caller's folder may be private to root).
pg_as() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

postgres_fetch() {
  if pg_bindir >/dev/null && command -v psql >/dev/null 2>&1; then return 0; fi
  apt_install postgresql postgresql-client
  # Debian starts the packaged cluster on 5432 where systemd/init runs; ours is separate
  pg_bindir >/dev/null || die "PostgreSQL binaries not found after install (set SLUICE_PG_BIN)"
}

postgres_running() {
  [ -f "$PG_DATA/PG_VERSION" ] || return 1
  pg_as "$(pg_bindir)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

postgres_healthy() {
  command -v psql >/dev/null 2>&1 || return 1
  [ "$(PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=3 psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
        -tAc 'select 1' 2>/dev/null)" = 1 ]
}

# When root runs this from a private folder (a fresh clone under a mktemp dir, say), the
# postgres user cannot reach the data folder there: keep it under /var/lib/postgresql instead,
# in a folder named after the services dir so that several checkouts do not collide.
pg_choose_dirs() {
  [ -n "${SLUICE_PG_DATA:-}" ] && return 0
  [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 || return 0
  mkdir -p "$SERVICES_DIR/postgres"
  if ! runuser -u postgres -- test -x "$SERVICES_DIR/postgres" 2>/dev/null; then
    local tag
    tag="$(printf '%s' "$SERVICES_DIR" | cksum | cut -d' ' -f1)"
    PG_DATA="/var/lib/postgresql/sluice-$tag/data"
    PG_SOCKET_DIR="${SLUICE_PG_SOCKET_DIR:-/var/lib/postgresql/sluice-$tag/run}"
    mkdir -p "$(dirname "$PG_DATA")"
    chown postgres: "$(dirname "$PG_DATA")"
  fi
}
pg_choose_dirs

postgres_start() {
  local bin owner log="$LOG_DIR/postgres.log"
  pg_choose_dirs
  # The server writes its own log: keep it where the postgres user can write when relocated.
  case "$PG_DATA" in /var/lib/postgresql/*) log="$(dirname "$PG_DATA")/postgres.log"; ln -sf "$log" "$LOG_DIR/postgres.log" ;; esac
  bin="$(pg_bindir)"; owner="$(pg_owner)"
  mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown "$owner": "$PG_DATA" "$PG_SOCKET_DIR"
    runuser -u postgres -- test -x "$PG_DATA" -a -w "$PG_DATA" \
      || die "user postgres cannot reach $PG_DATA (a parent folder is private?); set SLUICE_PG_DATA or SLUICE_SERVICES_DIR elsewhere"
  fi
  chmod 700 "$PG_DATA"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "postgres: initdb $PG_DATA ($("$bin/postgres" --version))"
    pg_as "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/postgres-initdb.log" 2>&1 \
      || { tail -20 "$LOG_DIR/postgres-initdb.log" >&2; die "initdb failed"; }
  fi
  local have want
  have="$(cat "$PG_DATA/PG_VERSION")"; want="$(basename "$(dirname "$bin")")"
  [ "$have" = "$want" ] || die "postgres: $PG_DATA is a PostgreSQL $have cluster but the binaries are $want (run: $0 clean postgres)"
  [ -s "$log" ] && mv -f "$log" "$log.1"
  : >"$log"; chown "$owner": "$log" 2>/dev/null || true
  say "postgres: starting PostgreSQL $want on $PG_HOST:$PG_PORT"
  pg_as "$bin/pg_ctl" -D "$PG_DATA" -l "$log" -w -t "$TIMEOUT" \
    -o "-p $PG_PORT -k $PG_SOCKET_DIR -c listen_addresses=$PG_HOST -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10" start >/dev/null 9>&- \
    || { tail -20 "$log" >&2; die "postgres failed to start (log: $log)"; }
  # role and database, idempotently (the password is (re)set from the environment every start)
  pg_as psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres \
    -v role="$PG_USER" -v pass="$PG_PASSWORD" -v db="$PG_DB" >>"$LOG_DIR/postgres-initdb.log" 2>&1 <<'SQL' \
    || { tail -20 "$LOG_DIR/postgres-initdb.log" >&2; die "postgres: creating role/database failed"; }
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB REPLICATION PASSWORD %L', :'role', :'pass') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
}

postgres_down() {
  if ! postgres_running; then say "postgres: not running"; return 0; fi
  say "postgres: stopping"
  pg_as "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
  say "postgres: stopped"
}
postgres_home() { pg_bindir; }
postgres_ports() { echo "$PG_PORT"; }
postgres_host() { echo "$PG_HOST"; }
postgres_clean() { rm -rf "$PG_DATA"; say "postgres: data deleted ($PG_DATA)"; }
postgres_url() { echo "postgres://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/$PG_DB"; }
postgres_describe() { echo "PostgreSQL at $(postgres_url) (data $PG_DATA)"; }

# ---------------------------------------------------------------------------------------------
# Kafka Connect (distributed worker, Apache Kafka's connect-runtime) with the Debezium
# PostgreSQL connector as a plugin; REST API on CONNECT_HOST:CONNECT_PORT

connect_fetch() {
  [ -f "$CONNECT_HOME/.complete" ] && return 0
  need_java
  : >"$LOG_DIR/fetch-connect.log"
  say "connect: fetching Kafka Connect $CONNECT_KAFKA_VERSION and Debezium $DEBEZIUM_VERSION (PostgreSQL connector) from Maven Central into $CONNECT_HOME"
  rm -rf "$CONNECT_HOME/libs" "$CONNECT_HOME/plugins"
  mkdir -p "$CONNECT_HOME"
  local a
  { pom_header connect
    for a in connect-runtime connect-json connect-transforms; do
      echo "    <dependency><groupId>org.apache.kafka</groupId><artifactId>$a</artifactId><version>$CONNECT_KAFKA_VERSION</version></dependency>"
    done
    # connect-runtime brings slf4j-api 1.7 only: log4j2 and its slf4j 1.7 binding, as the broker has
    for a in log4j-core log4j-slf4j-impl; do
      echo "    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>$a</artifactId><version>$CONNECT_LOG4J_VERSION</version></dependency>"
    done
    pom_footer; } >"$CONNECT_HOME/pom.xml"
  run_maven connect "$CONNECT_HOME/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$CONNECT_HOME/libs"
  # The connector in a plugin folder of its own (its own class loader), without the Kafka and
  # logging jars the worker already has.
  { pom_header debezium
    echo "    <dependency><groupId>io.debezium</groupId><artifactId>debezium-connector-postgres</artifactId><version>$DEBEZIUM_VERSION</version></dependency>"
    pom_footer; } >"$CONNECT_HOME/pom-debezium.xml"
  run_maven connect "$CONNECT_HOME/pom-debezium.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DexcludeGroupIds=org.apache.kafka,org.slf4j,org.apache.logging.log4j \
    -DoutputDirectory="$CONNECT_HOME/plugins/debezium-connector-postgres"
  ls "$CONNECT_HOME"/libs/connect-runtime-*.jar >/dev/null 2>&1 || die "connect-runtime jar missing after download"
  ls "$CONNECT_HOME"/plugins/debezium-connector-postgres/debezium-connector-postgres-*.jar >/dev/null 2>&1 \
    || die "debezium-connector-postgres jar missing after download"
  say "connect: $(ls "$CONNECT_HOME/libs" | wc -l) worker jars, $(ls "$CONNECT_HOME/plugins/debezium-connector-postgres" | wc -l) connector jars ($(du -sh "$CONNECT_HOME" | cut -f1))"
  touch "$CONNECT_HOME/.complete"
}

connect_write_config() {
  mkdir -p "$SERVICES_DIR/connect"
  cat >"$SERVICES_DIR/connect/worker.properties" <<PROPS
# generated by scripts/services.sh on every start; change it through SLUICE_CONNECT_* variables
bootstrap.servers=$KAFKA_HOST:$KAFKA_PORT
group.id=$CONNECT_GROUP
listeners=http://$CONNECT_HOST:$CONNECT_PORT
rest.advertised.host.name=$CONNECT_HOST
rest.advertised.port=$CONNECT_PORT
plugin.path=$CONNECT_HOME/plugins
# payload-only JSON (no schema part): what sluice/debezium's serdes read by default
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
config.storage.topic=$CONNECT_GROUP-configs
offset.storage.topic=$CONNECT_GROUP-offsets
status.storage.topic=$CONNECT_GROUP-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
status.storage.partitions=1
offset.flush.interval.ms=$CONNECT_OFFSET_FLUSH_MS
# One worker: a worker that crashed and came back gets its connectors at once, instead of
# after the 5 minutes Connect holds them by default for a worker that may return
scheduled.rebalance.max.delay.ms=0
# topics the connector writes are created by the worker (the broker does not auto-create)
topic.creation.enable=true
PROPS
  write_log4j2 "$SERVICES_DIR/connect/log4j2.properties" org.reflections=ERROR org.apache.kafka.clients=WARN
}

connect_start() {
  need_java
  port_open "$KAFKA_HOST" "$KAFKA_PORT" || die "connect: needs Kafka at $KAFKA_HOST:$KAFKA_PORT (up kafka first)"
  connect_write_config
  say "connect: starting Kafka Connect $CONNECT_KAFKA_VERSION with Debezium $DEBEZIUM_VERSION on http://$CONNECT_HOST:$CONNECT_PORT"
  # shellcheck disable=SC2086
  start_daemon connect "$LOG_DIR/connect.log" "$JAVA" $CONNECT_HEAP -Dsluice.service=connect -XX:+ExitOnOutOfMemoryError \
    "-Dlog4j2.configurationFile=$SERVICES_DIR/connect/log4j2.properties" -cp "$CONNECT_HOME/libs/*" \
    org.apache.kafka.connect.cli.ConnectDistributed "$SERVICES_DIR/connect/worker.properties"
}

connect_home() { echo "$CONNECT_HOME"; }
connect_url() { echo "http://$CONNECT_HOST:$CONNECT_PORT"; }
# healthy: the REST API answers and the worker lists the Debezium connector among its plugins
connect_healthy() {
  pid_alive connect || return 1
  need_curl
  curl -fs --max-time 3 "$(connect_url)/connector-plugins" 2>/dev/null | grep -q 'io.debezium.connector.postgresql.PostgresConnector'
}
connect_ports() { echo "$CONNECT_PORT"; }
connect_host() { echo "$CONNECT_HOST"; }
connect_running() { pid_alive connect; }
connect_down() { stop_daemon connect; }
connect_clean() { say "connect: its state lives in the Kafka topics $CONNECT_GROUP-{configs,offsets,status} (clean kafka to drop it)"; }
connect_describe() { echo "Kafka Connect $CONNECT_KAFKA_VERSION + Debezium $DEBEZIUM_VERSION at $(connect_url) (group $CONNECT_GROUP)"; }

# ---------------------------------------------------------------------------------------------
# commands


print_env() {
  echo "SLUICE_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
  echo "SLUICE_SCHEMA_REGISTRY_URL=$(registry_url)"
  echo "SLUICE_PG_URL=$(postgres_url)"
  echo "SLUICE_CONNECT_URL=$(connect_url)"
}

lock() {
  exec 9>"$SERVICES_DIR/.lock"
  flock -w 900 9 || die "another services.sh holds $SERVICES_DIR/.lock"
}

cmd_up() {
  lock
  local s p waiting=() t0=$SECONDS
  for s in "$@"; do "${s}_fetch"; done
  for s in "$@"; do
    if "${s}_healthy"; then
      if "${s}_running"; then say "$s: already running and healthy"
      else say "$s: a server not started by this script already serves $("${s}_host"):$("${s}_ports") with the sluice role; using it"
      fi
      continue
    fi
    if "${s}_running"; then say "$s: running, not healthy yet"; waiting+=("$s"); continue; fi
    # Connect needs a healthy broker before it starts: wait for those started before it
    if [ "$s" = connect ]; then for p in "${waiting[@]+"${waiting[@]}"}"; do wait_healthy "$p"; done; waiting=(); fi
    for p in $("${s}_ports"); do
      port_open "$("${s}_host")" "$p" && die "$s: port $("${s}_host"):$p is taken by another process (see scripts/SERVICES.md for the SLUICE_*_PORT variables)"
    done
    "${s}_start"
    waiting+=("$s")
  done
  for s in "${waiting[@]+"${waiting[@]}"}"; do wait_healthy "$s"; done
  say "up in $((SECONDS - t0))s; logs in $LOG_DIR"
  for s in "$@"; do say "  $("${s}_describe")"; done
}

cmd_down() {
  lock
  local i
  for ((i = $#; i > 0; i--)); do "${!i}_down"; done
}

cmd_status() {
  local s rc=0
  for s in "$@"; do
    if "${s}_healthy"; then say "$s: healthy - $("${s}_describe")"
    elif "${s}_running"; then say "$s: running but NOT healthy (log: $LOG_DIR/$s.log)"; rc=1
    else say "$s: not running"; rc=1
    fi
  done
  return $rc
}

cmd_clean() { cmd_down "$@"; local s; for s in "$@"; do "${s}_clean"; done; }

main() {
  local cmd="${1:-}"; shift || true
  local services=("$@") s
  [ ${#services[@]} -gt 0 ] || services=("${ALL_SERVICES[@]}")
  for s in "${services[@]}"; do
    case " $KNOWN_SERVICES " in *" $s "*) ;; *) die "unknown service '$s' ($KNOWN_SERVICES)" ;; esac
  done
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  case "$cmd" in
    up|start) cmd_up "${services[@]}" ;;
    down|stop) cmd_down "${services[@]}" ;;
    status) cmd_status "${services[@]}" ;;
    fetch) for s in "${services[@]}"; do "${s}_fetch"; done ;;
    home) for s in "${services[@]}"; do "${s}_home"; done ;;
    env) print_env ;;
    clean) cmd_clean "${services[@]}" ;;
    *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || [ "$cmd" = help ] || exit 2 ;;
  esac
}

main "$@"
