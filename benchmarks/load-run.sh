#!/usr/bin/env bash
# Load run: throughput of the sample app's rate-limited GET /hello with Sluice's rate-limit filter on (a rule
# that never rejects) versus off, on loopback, with wrk (apt-get install wrk). Bounded: a few 10 s runs.
# Usage: bash benchmarks/load-run.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }
./mvnw -B -q -pl sample-app -am package -DskipTests
jar=sample-app/target/sluice-sample-app-0.1.0-SNAPSHOT.jar

run() {
  local label="$1"; shift
  local port=$(( 20000 + RANDOM % 20000 ))
  java -Xmx512m -jar "$jar" --server.port="$port" --logging.level.root=WARN "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  wrk -t1 -c16 -d8s "http://127.0.0.1:$port/hello" >/dev/null            # warm-up (JIT)
  local rps
  rps=$(wrk -t1 -c16 -d"${seconds}s" "http://127.0.0.1:$port/hello" | awk '/Requests\/sec/ {print $2}')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "$label $rps"
}

# The whole rule list (Spring Boot replaces a list as a whole): /hello per IP, a bucket that never runs dry.
never_rejects=(--sluice.rate-limit.rules[0].name=hello --sluice.rate-limit.rules[0].paths=/hello
               --sluice.rate-limit.rules[0].key=ip
               --sluice.rate-limit.rules[0].limits[0].capacity=1000000000
               --sluice.rate-limit.rules[0].limits[0].refill=1000000000
               --sluice.rate-limit.rules[0].limits[0].period=1s)
# A first, discarded round warms the machine; then the order alternates so neither side always runs first.
run on "${never_rejects[@]}" >/dev/null
run off --sluice.rate-limit.enabled=false >/dev/null
results=()
for round in 1 2 3 4; do
  if [ $((round % 2)) -eq 1 ]; then
    results+=("$(run on "${never_rejects[@]}")")
    results+=("$(run off --sluice.rate-limit.enabled=false)")
  else
    results+=("$(run off --sluice.rate-limit.enabled=false)")
    results+=("$(run on "${never_rejects[@]}")")
  fi
done
printf '%s\n' "${results[@]}"
printf '%s\n' "${results[@]}" | awk '
  $1 == "on" { on += $2; n_on++ } $1 == "off" { off += $2; n_off++ }
  END { printf "mean requests/s: filter on %.0f, filter off %.0f, ratio %.3f\n", on / n_on, off / n_off, (on / n_on) / (off / n_off) }'
