#!/usr/bin/env bash
# A local Spark standalone cluster (one master, one worker) from the pinned pyspark, no Docker:
#   tools/spark_local_cluster.sh start   -> prints the master URL (spark://127.0.0.1:PORT)
#   tools/spark_local_cluster.sh stop
# Settings (environment): SPARK_MASTER_PORT (7077), SPARK_MASTER_WEBUI_PORT (8080),
# SPARK_WORKER_CORES (1), SPARK_WORKER_MEMORY (1g), SPARK_RUN_DIR (/tmp/collectlens-spark).
# Needs Java 17 (apt-get install openjdk-17-jre-headless). See README "Running on a Spark cluster".
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
SPARK_HOME=$("$PY" -c "import os, pyspark; print(os.path.dirname(pyspark.__file__))")
export SPARK_HOME
RUN=${SPARK_RUN_DIR:-/tmp/collectlens-spark}
PORT=${SPARK_MASTER_PORT:-7077}
UI=${SPARK_MASTER_WEBUI_PORT:-8080}
MASTER="spark://127.0.0.1:$PORT"
mkdir -p "$RUN"

wait_port() {  # wait until something listens on 127.0.0.1:$1 (at most 120 s)
  for _ in $(seq 1 240); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "nothing listens on port $1; see $RUN/*.log" >&2
  return 1
}

case "${1:-}" in
  start)
    if [ -f "$RUN/master.pid" ] && kill -0 "$(cat "$RUN/master.pid")" 2>/dev/null; then
      echo "$MASTER"; exit 0
    fi
    "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" \
      --webui-port "$UI" >"$RUN/master.log" 2>&1 &
    echo $! >"$RUN/master.pid"
    wait_port "$PORT"
    "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 \
      --cores "${SPARK_WORKER_CORES:-1}" --memory "${SPARK_WORKER_MEMORY:-1g}" --webui-port 0 "$MASTER" \
      >"$RUN/worker.log" 2>&1 &
    echo $! >"$RUN/worker.pid"
    for _ in $(seq 1 240); do  # the worker is up once the master has registered it
      grep -q "Registering worker" "$RUN/master.log" && break
      sleep 0.5
    done
    grep -q "Registering worker" "$RUN/master.log" || { echo "the worker did not register; see $RUN/worker.log" >&2; exit 1; }
    echo "$MASTER"
    ;;
  stop)
    for p in worker master; do
      if [ -f "$RUN/$p.pid" ]; then kill "$(cat "$RUN/$p.pid")" 2>/dev/null || true; rm -f "$RUN/$p.pid"; fi
    done
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
