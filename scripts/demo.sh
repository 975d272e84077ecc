#!/usr/bin/env bash
# Drives every Sluice feature of the running sample app with plain curl and prints what happened.
# Start the app first (README: "Run the sample app"), then: bash scripts/demo.sh [base-url]
set -euo pipefail
base="${1:-http://localhost:8080}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
status_and_headers() { curl -s -o /dev/null -D - "$@" | tr -d '\r'; }

curl -fs "$base/actuator/health" >/dev/null || { echo "The sample app does not answer at $base; start it first."; exit 1; }

say "Rate limit: GET /hello is limited to 5 per client IP; the 6th answers 429 with an honest Retry-After"
for i in 1 2 3 4 5 6; do
  headers="$(status_and_headers "$base/hello")"
  code="$(printf '%s\n' "$headers" | head -n 1 | awk '{print $2}')"
  retry="$(printf '%s\n' "$headers" | awk -F': ' 'tolower($1) == "retry-after" {print $2}')"
  ratelimit="$(printf '%s\n' "$headers" | awk -F': ' 'tolower($1) == "ratelimit" {print $2}')"
  echo "request $i -> $code ${retry:+Retry-After: $retry }${ratelimit:+RateLimit: $ratelimit}"
done
echo "body of the 429:"; curl -s "$base/hello"; echo

say "API key limit: GET /api/items without X-API-Key is 401, with one it is served"
curl -s -o /dev/null -w 'no key -> %{http_code}\n' "$base/api/items"
curl -s -o /dev/null -w 'X-API-Key: demo -> %{http_code}\n' -H 'X-API-Key: demo' "$base/api/items"

say "Task group: GET /page/42 calls two slow services (300 ms and 400 ms) at once through RestClient"
curl -s "$base/page/42"; echo

say "Deadline: GET /reports/slow takes 5 s but its route allows 2 s: 504 at the deadline"
curl -s -w '\n-> %{http_code} after %{time_total} s\n' "$base/reports/slow"

say "Worker pool: POST /signup answers at once; the welcome email runs on the bounded 'emails' pool"
curl -s -X POST "$base/signup?email=ada@example.com"; echo
sleep 1
curl -s "$base/actuator/metrics/sluice.pool.tasks?tag=pool:emails&tag=outcome:completed"; echo

say "Pool full: 150 signups at once; 'emails' runs 2 and queues 50, the rest answer 503 with Retry-After: 1"
# One curl, 50 connections at a time; each answer ends with its status on a line of its own.
codes="$(curl -s --no-progress-meter --parallel --parallel-max 50 -X POST -w '\n%{http_code}\n' "$base/signup?email=user[1-150]@example.com")"
echo "150 signups at once -> $(grep -cx 202 <<<"$codes" || true) accepted (202), $(grep -cx 503 <<<"$codes" || true) refused (503)"
curl -s "$base/actuator/metrics/sluice.pool.tasks?tag=pool:emails&tag=outcome:rejected"; echo

say "GET /actuator/sluice: pools, rules, deadlines, in-flight requests, shutdown state"
curl -s "$base/actuator/sluice"; echo

say "GET /actuator/sluice/tasks: running pool tasks and subtasks with their stacks"
curl -s "$base/actuator/sluice/tasks"; echo
echo
echo "demo finished"
