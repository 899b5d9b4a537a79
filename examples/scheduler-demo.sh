#!/usr/bin/env bash
# Failover of an active/passive scheduler, end to end: starts a local 3-node kvstore cluster and
# three ActivePassiveScheduler replicas, kills the active replica with SIGKILL after a few
# seconds, and shows a standby taking over with a higher fencing token. Stops everything it
# started (by PID) and deletes the cluster's data.
#   examples/scheduler-demo.sh [SECONDS_BEFORE_KILL=5]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before_kill=${1:-5}
demo="$root/run/scheduler-demo"
base_port=23379
endpoints="127.0.0.1:$base_port,127.0.0.1:$((base_port + 10)),127.0.0.1:$((base_port + 20))"

echo "building the example (mvn package)..."
(cd "$root" && mvn -B -q -DskipTests package -pl examples -am)
cp="$root/examples/target/examples-0.1.0-SNAPSHOT.jar:$root/examples/target/lib/*"

"$root/bin/kv-cluster" up --base-port "$base_port" --data-dir "$demo/cluster" --wipe >/dev/null
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$root/bin/kv-cluster" down --data-dir "$demo/cluster" --wipe >/dev/null 2>&1 || true
}
trap cleanup EXIT

for i in 1 2 3; do
  java -XX:TieredStopAtLevel=1 -cp "$cp" io.kvstore.examples.ActivePassiveScheduler \
    --endpoints="$endpoints" --identity="replica-$i" >"$demo/replica-$i.out" 2>"$demo/replica-$i.log" &
  pids+=($!)
done

leader() {
  local i
  for i in 1 2 3; do
    if [[ "$(grep -E ' (STARTED|STOPPED)' "$demo/replica-$i.out" | tail -n 1)" == *STARTED* ]]; then
      echo "$i"
      return
    fi
  done
}

wait_for_leader() {
  local n
  for n in $(seq 1 100); do
    local l
    l=$(leader)
    if [[ -n "$l" && "$l" != "${1:-}" ]]; then
      echo "$l"
      return
    fi
    sleep 0.1
  done
  echo "no replica took over within 10 s" >&2
  exit 1
}

first=$(wait_for_leader)
echo "replica-$first leads: $(grep STARTED "$demo/replica-$first.out" | tail -n 1)"
sleep "$before_kill"
decisions=$(grep -c 'WRITE .* ok' "$demo/replica-$first.out" || true)
echo "replica-$first made $decisions fenced decisions; killing it (SIGKILL) at $(date +%T.%3N)"
kill -9 "${pids[$((first - 1))]}"
next=$(wait_for_leader "$first")
echo "replica-$next took over at $(date +%T.%3N): $(grep STARTED "$demo/replica-$next.out" | tail -n 1)"
sleep 2
echo "replica-$next made $(grep -c 'WRITE .* ok' "$demo/replica-$next.out" || true) fenced decisions so far"
echo "event logs: $demo/replica-*.out"
