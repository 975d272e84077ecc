#!/usr/bin/env bash
# Load run: throughput of the sample app's GET /hello with Sluice's rate-limit filter on (a per-IP rule that never
# rejects) versus off (sluice.rate-limit.enabled=false), on loopback, with wrk (apt-get install wrk).
#
# A shared 2-core VM drifts by 10-20% from one minute to the next, and two JVMs of the same jar differ by a few
# per cent after JIT. So the run is paired: each pair starts both servers side by side, warms both, then measures
# them in alternating short slices (the order flips every round), so both sides see the same drift; several
# pairs average out the JVM-to-JVM spread. LOAD_RUN_MODE=aa runs both sides without the filter: the ratio it
# prints is the noise floor of the method. Bounded: pairs x (20 s start + 40 s warm-up + 2 x rounds x seconds).
#
# Usage: bash benchmarks/load-run.sh [pairs=3] [rounds=10] [seconds-per-slice=3]
#        LOAD_RUN_MODE=aa bash benchmarks/load-run.sh ...     (noise floor: no filter on either side)
#        LOAD_RUN_ON_ARGS=... / LOAD_RUN_OFF_ARGS=...          (variants, see below)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs="${1:-3}"
rounds="${2:-10}"
seconds="${3:-3}"
mode="${LOAD_RUN_MODE:-ab}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }
./mvnw -B -q -pl sample-app -am package -DskipTests
jar=sample-app/target/sluice-sample-app-0.1.0-SNAPSHOT.jar

# The whole rule list (Spring Boot replaces a list as a whole): /hello per IP, a bucket that never runs dry.
on=(--sluice.rate-limit.rules[0].name=hello --sluice.rate-limit.rules[0].paths=/hello
    --sluice.rate-limit.rules[0].key=ip
    --sluice.rate-limit.rules[0].limits[0].capacity=1000000000
    --sluice.rate-limit.rules[0].limits[0].refill=1000000000
    --sluice.rate-limit.rules[0].limits[0].period=1s)
# LOAD_RUN_ON_ARGS adds settings to the "on" side only, e.g. "--sluice.rate-limit.headers=false".
read -r -a extra <<< "${LOAD_RUN_ON_ARGS:-}"
on+=("${extra[@]}")
off=(--sluice.rate-limit.enabled=false)
# LOAD_RUN_OFF_ARGS makes the "off" side run the same rule with these settings instead of no filter, e.g.
# "--sluice.rate-limit.headers=false" to price the RateLimit headers alone.
if [ -n "${LOAD_RUN_OFF_ARGS:-}" ]; then
  read -r -a off_extra <<< "$LOAD_RUN_OFF_ARGS"
  off=("${on[@]}" "${off_extra[@]}")
fi
if [ "$mode" = aa ]; then on=("${off[@]}"); fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

start() { # port args...
  local port="$1"; shift
  java -Xmx512m -jar "$jar" --server.port="$port" --logging.level.root=WARN "$@" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "server on port $port did not start" >&2
  exit 1
}

rps() { # port seconds
  wrk -t1 -c16 -d"$2s" "http://127.0.0.1:$1/hello" | awk '/Requests\/sec/ {print $2}'
}

results=$(mktemp)
for pair in $(seq 1 "$pairs"); do
  port_on=$(( 20000 + RANDOM % 6000 )); port_off=$(( 26000 + RANDOM % 6000 )) # below the ephemeral ports (32768-)
  if [ $((pair % 2)) -eq 1 ]; then start "$port_on" "${on[@]}"; start "$port_off" "${off[@]}"
  else start "$port_off" "${off[@]}"; start "$port_on" "${on[@]}"; fi
  # The sides differ only in the filter: the "on" side answers with RateLimit headers, the "off" side without.
  on_headers=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port_on/hello" | grep -ci '^RateLimit:' || true)
  off_headers=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port_off/hello" | grep -ci '^RateLimit:' || true)
  if [ "$mode" = ab ] && [ -z "${LOAD_RUN_ON_ARGS:-}${LOAD_RUN_OFF_ARGS:-}" ] && { [ "$on_headers" != 1 ] || [ "$off_headers" != 0 ]; }; then
    echo "the on side must send RateLimit and the off side must not (on: $on_headers, off: $off_headers)" >&2
    exit 1
  fi
  for _ in 1 2; do rps "$port_on" 10 >/dev/null; rps "$port_off" 10 >/dev/null; done # JIT warm-up
  # Odd pairs start the "on" server first and measure it first in odd rounds; even pairs the other way round.
  for round in $(seq 1 "$rounds"); do
    if [ $(((round + pair) % 2)) -eq 0 ]; then a=$(rps "$port_on" "$seconds"); b=$(rps "$port_off" "$seconds")
    else b=$(rps "$port_off" "$seconds"); a=$(rps "$port_on" "$seconds"); fi
    echo "$pair $round $a $b" | tee -a "$results"
  done
  kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
  pids=()
done
median=$(awk '{ print $3 / $4 }' "$results" | sort -g | awk '{ r[NR] = $1 } END { print (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }')
awk -v mode="$mode" -v median="$median" -v pairs="$pairs" '
  { on[$1] += $3; off[$1] += $4; n[$1]++; ton += $3; toff += $4 }
  END {
    for (p = 1; p <= pairs; p++) printf "pair %d: on %.0f, off %.0f requests/s, ratio %.3f\n", p, on[p] / n[p], off[p] / n[p], on[p] / off[p]
    printf "%s: mean requests/s on %.0f, off %.0f; ratio %.3f; median of %d slice ratios %.3f\n", (mode == "aa") ? "A/A (no filter on either side)" : "filter on vs off", ton / NR, toff / NR, ton / toff, NR, median
  }' "$results"
rm -f "$results"
