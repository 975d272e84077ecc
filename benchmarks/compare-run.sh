#!/usr/bin/env bash
# Compare run: the throughput of GET /hello with every Sluice capability on, each alone, all off, on bare Spring
# Boot, and behind the peers a user would pick instead (the bucket4j Spring Boot starter, Resilience4j), all in one
# run, on loopback, with wrk (apt-get install -y wrk). The successor of load-run.sh's paired method, for many
# servers at once (see BENCHMARKS.md, "Compare run").
#
# A "pair" starts every server of the run side by side (each JVM idle while another is measured), warms each, then
# measures them one after another in short slices, in reverse order every other round, so that a drift of the
# machine reaches both sides of every comparison alike. A comparison's ratio in a pair is the sum of its "a" slices
# over the sum of its "b" slices; the table gives the mean of the pair ratios, their 95% confidence interval
# (Student's t over pairs) and the A/A comparison (two identical all-off servers): the method's noise floor.
# Every comparison against all off is then given once more against the mean of both all-off servers of each pair.
# Bounded: pairs x (start-up + servers x (warm-up + rounds x seconds)).
#
# Usage: bash benchmarks/compare-run.sh [pairs=6] [rounds=5] [seconds=2] [warm-up seconds=8]
#   COMPARE="aa all-on all-on-nh"  only these comparisons (names below; default: issue 20's table, every name but
#                                  m-*, pass, nowrap and garbage)
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java  the JVM of every server
#   COMPARE_APP_ARGS="--spring.threads.virtual.enabled=true"  added to every server's arguments
#   COMPARE_TABLE=/tmp/tmp.XXXX  print the table of the raw slices an earlier run left (every line: pair round server req/s)
#   COMPARE_NO_BUILD=1  use the jars the last build left (sample-app/target, benchmarks/peers/*/target)
#   COMPARE_BASE_JAR=/tmp/base.jar  an earlier build of the sample app: comparisons change and change-nh pair this
#                                   build's all on (with and without headers) against that jar's, in the same run
#   COMPARE_CPU=1  also each server's CPU time per request by kind of thread, and wrk's (benchmarks/cpu.sh); a
#                  second raw file, which COMPARE_CPU_TABLE=<file> prints again (with COMPARE_TABLE)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs="${1:-6}"
rounds="${2:-5}"
seconds="${3:-2}"
warmup="${4:-8}"
java="${JAVA:-java}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)"; exit 1; }
source benchmarks/servers.sh # sample, peers and servers: name -> "jar|arguments"
source benchmarks/cpu.sh # COMPARE_CPU: threads_cpu, cpu_slice, thread_names, cpu_table
jcmd="$(dirname "$(readlink -f "$(command -v "$java")")")/jcmd"

# the default run: issue 20's table; m-*: each capability's cost beside all the others (all on vs all on but it);
# pass, nowrap, garbage: on bare Boot, what one filter costs with and without a response wrapper, and 1 KiB
# allocated a request beside the wrapper
defaults=(aa all-on all-on-nh rl rl-nh cc dl sd off-bare on-bare b4j r4j)
names=("${defaults[@]}" m-rl m-cc m-dl m-sd pass garbage nowrap)
# comparison name -> "a b label" (the ratio is a / b)
declare -A comparisons=(
  [aa]="off2 off A/A: Sluice all off vs all off (noise floor)"
  [all-on]="on off Sluice all on (RateLimit headers on) vs all off"
  [all-on-nh]="on-nh off Sluice all on, rate-limit headers: false vs all off"
  [rl]="rl off rate limit alone (headers on) vs all off"
  [rl-nh]="rl-nh off rate limit alone, headers: false vs all off"
  [cc]="cc off concurrency limit alone (/**, 200) vs all off"
  [dl]="dl off deadline alone (10 s default) vs all off"
  [sd]="sd off in-flight tracking (graceful shutdown) alone vs all off"
  [m-rl]="on on-no-rl all on vs all on but the rate limit (the rate limit's cost beside the rest)"
  [m-cc]="on on-no-cc all on vs all on but the concurrency limit"
  [m-dl]="on on-no-dl all on vs all on but the deadline"
  [m-sd]="on on-no-sd all on vs all on but in-flight tracking"
  [off-bare]="off bare Sluice all off vs bare Spring Boot (no starter)"
  [on-bare]="on bare Sluice all on vs bare Spring Boot (no starter)"
  [b4j]="b4j b4j-off bucket4j starter, one per-IP rule, vs the same app with bucket4j.enabled=false"
  [r4j]="r4j r4j-off Resilience4j RateLimiter + semaphore Bulkhead vs the same handler without them"
  [pass]="bare-pass bare bare Boot with one filter that only wraps the response vs bare Boot"
  [garbage]="bare-garbage bare-pass the same filter with 1024 B made a request vs the filter alone"
  [nowrap]="bare-nowrap bare bare Boot with one filter that passes the request on as it came vs bare Boot"
)
if [ -n "${COMPARE_BASE_JAR:-}" ]; then # a change against its base: this build's all on vs the base jar's
  comparisons[change]="on on-base all on vs all on of the base jar"
  comparisons[change-nh]="on-nh on-nh-base all on, headers: false vs the same of the base jar"
  names+=(change change-nh)
fi
read -r -a chosen <<< "${COMPARE:-${defaults[*]}}"
# A/A is always measured: every other figure is read against it.
[[ " ${chosen[*]} " == *" aa "* ]] || chosen=(aa "${chosen[@]}")
declare -A wanted=()
for c in "${chosen[@]}"; do
  [ -n "${comparisons[$c]:-}" ] || { echo "unknown comparison $c (known: ${names[*]})" >&2; exit 1; }
  read -r a b _ <<< "${comparisons[$c]}"
  wanted[$a]=1; wanted[$b]=1
done
order=()
for s in off off2 on on-nh on-base on-nh-base rl rl-nh cc dl sd on-no-rl on-no-cc on-no-dl on-no-sd bare bare-pass bare-nowrap bare-garbage b4j b4j-off r4j r4j-off; do [ -n "${wanted[$s]:-}" ] && order+=("$s"); done
read -r -a app_args <<< "${COMPARE_APP_ARGS:-}"

pids=()
logs=$(mktemp -d) # each server's output, shown when one does not start
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
declare -A port=() pid=()

launch() { # name
  start_server "$1" "${port[$1]}" "$logs/$1.log"
  pids+=($!); pid[$1]=$!
}

await() { # name
  await_server "$1" "${port[$1]}" "$logs/$1.log"
}

headers() { # name -> the response headers of GET /hello
  curl -s -D - -o /dev/null "http://127.0.0.1:${port[$1]}/hello" | tr -d '\r'
}

filter_logged() { # name text: the bare peer's pass filter said at start-up that it runs as the name says
  grep -q "peer pass filter on, $2" "$logs/$1.log" || { echo "$1: not the filter it is named for" >&2; exit 1; }
}

check() { # name: each server does what its name says (a misconfigured side would make every figure a lie)
  local h; h=$(headers "$1")
  grep -q '^HTTP/1.1 200' <<< "$h" || { echo "$1: GET /hello did not answer 200" >&2; exit 1; }
  case "$1" in
    on|on-base|rl|on-no-cc|on-no-dl|on-no-sd) grep -qi '^RateLimit:' <<< "$h" || { echo "$1: no RateLimit header" >&2; exit 1; } ;;
    off|off2|on-nh|on-nh-base|rl-nh|cc|dl|sd|on-no-rl|bare) ! grep -qi '^RateLimit' <<< "$h" || { echo "$1: a RateLimit header" >&2; exit 1; } ;;
    b4j) grep -qi '^X-Rate-Limit-Remaining:' <<< "$h" || { echo "b4j: no X-Rate-Limit-Remaining" >&2; exit 1; } ;;
    bare-pass) filter_logged "$1" "0 garbage bytes a request, wrap true" ;;
    bare-nowrap) filter_logged "$1" "0 garbage bytes a request, wrap false" ;;
    bare-garbage) filter_logged "$1" "1024 garbage bytes a request, wrap true" ;;
    b4j-off) ! grep -qi '^X-Rate-Limit-Remaining:' <<< "$h" || { echo "b4j-off: bucket4j answered" >&2; exit 1; } ;;
  esac
}

rps() { # name seconds
  wrk -t1 -c16 -d"$2s" "http://127.0.0.1:${port[$1]}/hello" | awk '/Requests\/sec/ {print $2}'
}

slice() { # pair round name: one measured slice, its req/s into $results (and with COMPARE_CPU its CPU into $cpu)
  if [ -n "$cpu" ]; then
    echo "$1 $2 $3 $(cpu_slice "$1" "$2" "$3" "${pid[$3]}" "http://127.0.0.1:${port[$3]}/hello" "$seconds")" >> "$results"
  else
    echo "$1 $2 $3 $(rps "$3" "$seconds")" >> "$results"
  fi
}

# Student's t for a 95% two-sided interval, by degrees of freedom 1 to 15 (the tables of both scripts)
student_t="12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131"

table_row() { # a b label: one comparison's row; b "off+off2" is the mean of both all-off servers of each pair
  awk -v a="$1" -v b="$2" -v label="$3" -v pairs="$pairs" -v student_t="$student_t" '
    BEGIN { split(student_t, t, " ") }
    $3 == a { sa[$1] += $4; ta += $4; na++ }
    $3 == b || (b == "off+off2" && ($3 == "off" || $3 == "off2")) {
      w = (b == "off+off2") ? 0.5 : 1; sb[$1] += w * $4; tb += w * $4; nb += w
    }
    END {
      n = 0; sum = 0; list = ""
      for (p = 1; p <= pairs; p++) if (sb[p] > 0) { r[++n] = sa[p] / sb[p]; sum += r[n]; list = list sprintf("%s%.3f", (n > 1) ? ", " : "", r[n]) }
      mean = sum / n; ss = 0
      for (i = 1; i <= n; i++) ss += (r[i] - mean) ^ 2
      ci = "n/a"
      if (n > 1) { half = ((n - 1 <= 15) ? t[n - 1] : 2.0) * sqrt(ss / (n - 1)) / sqrt(n); ci = sprintf("%.3f–%.3f", mean - half, mean + half) }
      printf "| %s | %d, %d | %.0f | %.0f | **%.3f** | %s | %s |\n", label, n, na, ta / na, tb / nb, mean, ci, list
    }' "$results"
}

table() { # prints the table of the slices in $results
  echo
  echo "| comparison | pairs, slices | a req/s | b req/s | mean ratio a/b | 95% CI | per-pair ratios |"
  echo "|---|---|---|---|---|---|---|"
  for c in "${chosen[@]}"; do
    read -r a b label <<< "${comparisons[$c]}"
    table_row "$a" "$b" "$label"
  done
  # each comparison against all off once more, against the mean of both all-off servers of each pair (the A/A's
  # two JVMs): half the spread that one all-off JVM adds to every ratio read against it
  for c in "${chosen[@]}"; do
    read -r a b label <<< "${comparisons[$c]}"
    [ "$b" = off ] && [ "$a" != off2 ] || continue
    table_row "$a" off+off2 "${label% vs all off} vs the mean of both all-off servers"
  done
}

if [ -n "${COMPARE_TABLE:-}" ]; then # COMPARE_TABLE=<raw slices file>: the table of an earlier (or cut-short) run
  results="$COMPARE_TABLE"; pairs=$(awk '$1 > p { p = $1 } END { print p }' "$results"); table
  if [ -n "${COMPARE_CPU_TABLE:-}" ]; then cpu="$COMPARE_CPU_TABLE"; cpu_table; fi
  exit 0
fi
# (never while a run is on: a build rewrites the jars its servers are running from)
if [ -z "${COMPARE_NO_BUILD:-}" ]; then # COMPARE_NO_BUILD=1: the jars as the last build left them
  ./mvnw -B -q -pl sample-app -am package -DskipTests
  ./mvnw -B -q -f benchmarks/peers/pom.xml package -DskipTests
fi
results=$(mktemp)
cpu=; [ -z "${COMPARE_CPU:-}" ] || cpu=$(mktemp)
echo "servers: ${order[*]}; $pairs pairs x $rounds rounds x $seconds s; JVM: $("$java" -version 2>&1 | head -1); load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for pair in $(seq 1 "$pairs"); do
  base=$(( 20000 + RANDOM % 12000 )) # below Linux's ephemeral ports (32768-60999): a client socket can hold one
  i=0
  for s in "${order[@]}"; do port[$s]=$((base + i)); i=$((i + 1)); done
  # start in a rotating order, so that no server is always the first (or the last) to get its share of the JIT
  n=${#order[@]}
  for k in $(seq 0 $((n - 1))); do launch "${order[$(((k + pair) % n))]}"; done
  for s in "${order[@]}"; do await "$s"; check "$s"; done
  for s in "${order[@]}"; do rps "$s" "$warmup" >/dev/null; done # JIT warm-up
  for round in $(seq 1 "$rounds"); do
    if [ $(((round + pair) % 2)) -eq 0 ]; then seq_=("${order[@]}"); else seq_=(); for ((k = n - 1; k >= 0; k--)); do seq_+=("${order[$k]}"); done; fi
    for s in "${seq_[@]}"; do slice "$pair" "$round" "$s"; done
    echo "pair $pair round $round done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  done
  if [ -n "$cpu" ]; then for s in "${order[@]}"; do thread_names "$pair" "$s" "${pid[$s]}"; done; fi
  kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true
  pids=()
done

table
[ -z "$cpu" ] || cpu_table
echo
echo "Raw slices (pair round server requests/s): $results" >&2
[ -z "$cpu" ] || echo "Raw CPU (benchmarks/cpu.sh): $cpu" >&2
trap - EXIT
