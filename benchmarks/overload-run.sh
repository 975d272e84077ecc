#!/usr/bin/env bash
# Overload benchmark of the concurrency limit (BENCHMARKS.md, "Overload: no limit, fixed cap, adaptive"): a
# loopback server whose endpoint holds one of 4 permits for 20 ms (capacity about 200 requests/s), driven by
# closed-loop clients in the same JVM. Bounded: per scenario about 15 s + warm-up + measured seconds.
#
# Usage: bash benchmarks/overload-run.sh [seconds=20] [clients=64] [warmup-seconds=5] [scenario ...]
#   OVERLOAD_JAVA_OPTS=-Doverload.honour-retry-after=false: refused clients retry at once
#   a scenario is name:property=value,property=value, e.g.
#   "vegas:sluice.concurrency-limit.mode=adaptive,sluice.concurrency-limit.adaptive.algorithm=vegas"
set -euo pipefail
cd "$(dirname "$0")/.."
# package and write the classpath in one reactor run, so the auto-configuration resolves to this checkout's build
./mvnw -B -q -pl benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
java -Xmx512m ${OVERLOAD_JAVA_OPTS:-} -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  dev.sluice.benchmarks.overload.OverloadBenchmark "$@"
