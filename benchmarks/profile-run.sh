#!/usr/bin/env bash
# Profile run: where each server's CPU time (or allocation) goes per request, by region of the request path
# (Sluice's stages, Spring MVC after them, Tomcat's response finish and socket I/O, the watchdog, GC, JIT), with
# async-profiler 4.2 from Maven Central loaded into the running server after its warm-up. The servers are the
# compare run's (benchmarks/servers.sh), profiled one after another, each alone on the machine, under the same wrk
# load (-t1 -c16 on GET /hello); the table gives samples per 1000 requests and each server's difference from the
# first. One profile is one sample: read a difference against an A/A (the same server twice: `off off2`).
# The profiler slows the server (perf events at 100 µs): read the shares, not the request rates.
#
# Usage: bash benchmarks/profile-run.sh server...   (e.g. off on off2)
#   PROFILE_EVENT=cpu|alloc|itimer  cpu (default) needs perf events (kernel.perf_event_paranoid <= 1); alloc counts
#                                   bytes allocated (the table then reads bytes per 1000 requests)
#   PROFILE_SECONDS=20 PROFILE_WARMUP=20  seconds of load profiled, and of warm-up before it
#   JAVA=...  COMPARE_APP_ARGS=...  COMPARE_NO_BUILD=1  as for compare-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
event="${PROFILE_EVENT:-cpu}"
seconds="${PROFILE_SECONDS:-20}"
warmup="${PROFILE_WARMUP:-20}"
java="${JAVA:-java}"
[ $# -gt 0 ] || { echo "usage: bash benchmarks/profile-run.sh server... (see benchmarks/servers.sh)"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed for the table"; exit 1; }
source benchmarks/servers.sh
for s in "$@"; do [ -n "${servers[$s]:-}" ] || { echo "unknown server $s (known: ${!servers[*]})"; exit 1; }; done
if [ "$event" = cpu ] && [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 1 ]; then
  echo "kernel.perf_event_paranoid > 1: perf events are off (as root: sysctl kernel.perf_event_paranoid=1)," \
    "or PROFILE_EVENT=itimer (a few hundred samples a second)" >&2
  exit 1
fi
if [ -z "${COMPARE_NO_BUILD:-}" ]; then
  ./mvnw -B -q -pl sample-app -am package -DskipTests
  ./mvnw -B -q -f benchmarks/peers/pom.xml package -DskipTests
fi
out=$(mktemp -d)
profiler="$out/profiler"
./mvnw -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.2:jar:linux-x64 \
  -DoutputDirectory="$profiler" -Dmdep.stripVersion=true
(cd "$profiler" && unzip -q -o async-profiler-linux-x64.jar linux-x64/libasyncProfiler.so)
lib="$profiler/linux-x64/libasyncProfiler.so"
read -r -a app_args <<< "${COMPARE_APP_ARGS:-}"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT
case "$event" in
  cpu) options="event=cpu,interval=100000" ;;
  alloc) options="event=alloc,total" ;; # bytes, not samples
  *) options="event=$event" ;;
esac
runs=()
i=0
for s in "$@"; do
  i=$((i + 1)); file="$out/$i-$s.collapsed" # a server may be named twice (an A/A)
  port=$(( 20000 + RANDOM % 12000 ))
  start_server "$s" "$port" "$out/$i-$s.log"
  pid=$!
  await_server "$s" "$port" "$out/$i-$s.log"
  curl -fs -o /dev/null "http://127.0.0.1:$port/hello" || { echo "$s: GET /hello failed" >&2; exit 1; }
  wrk -t1 -c16 -d"${warmup}s" "http://127.0.0.1:$port/hello" >/dev/null
  "$java" benchmarks/profile/Attach.java "$pid" "$lib" "start,$options"
  requests=$(wrk -t1 -c16 -d"${seconds}s" "http://127.0.0.1:$port/hello" | awk '/requests in/ {print $1}')
  "$java" benchmarks/profile/Attach.java "$pid" "$lib" "stop,file=$file,collapsed"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  echo "$s: $requests requests in ${seconds} s profiled ($file)" >&2
  runs+=("$s=$file:$requests")
done
PROFILE_UNIT=$([ "$event" = alloc ] && echo bytes || echo samples) python3 benchmarks/profile/attribute.py "${runs[@]}"
