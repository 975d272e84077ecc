#!/usr/bin/env bash
# Starts the sample app the way the README says (its jar, built by ./mvnw verify or package), runs the demo
# script against it to the end and checks that it showed each behaviour. Loopback only, bounded in time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jar=sample-app/target/sluice-sample-app-0.1.0-SNAPSHOT.jar
[ -f "$jar" ] || ./mvnw -B -q -pl sample-app -am package -DskipTests
port=$(( 20000 + RANDOM % 20000 ))
log="$(mktemp)"
out="$(mktemp)"
java -jar "$jar" --server.port="$port" > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; rm -f "$log" "$out"' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "the sample app died"; exit 1; }
  sleep 0.5
done
timeout 60 bash scripts/demo.sh "http://127.0.0.1:$port" > "$out" 2>&1 || { cat "$out"; echo "the demo failed"; exit 1; }
check() { grep -q -- "$1" "$out" || { cat "$out"; echo "DEMO CHECK FAILED: no '$1' in the demo's output"; exit 1; }; }
check 'request 6 -> 429 Retry-After: '
check '"tookMillis"'
check '-> 504 after'
check '"job":"welcome-ada@example.com"'
check '"pools":{"emails"'
check 'demo finished'
grep -q 'Sent welcome email to ada@example.com' "$log" || { echo "DEMO CHECK FAILED: the email job did not run"; exit 1; }
echo "demo check: the sample app showed every behaviour"
