# Sourced by quickstart-check.sh with $base set to the running quick-start application: what the README
# promises after its quick start.
for i in 1 2 3; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$base/hello")
  [ "$code" = 200 ] || fail "GET /hello #$i answered $code, expected 200"
done
headers=$(curl -s -o /dev/null -D - "$base/hello" | tr -d '\r')
printf '%s\n' "$headers" | head -n 1 | grep -q ' 429' || fail "the 4th GET /hello was not 429: $(printf '%s' "$headers" | head -n 1)"
retry=$(printf '%s\n' "$headers" | awk -F': ' 'tolower($1) == "retry-after" {print $2}')
[ -n "$retry" ] && [ "$retry" -ge 1 ] || fail "429 without a Retry-After of at least 1 s"
echo "rate limit: 3 x 200 then 429 with Retry-After: $retry"

body=$(curl -s -X POST "$base/signup?email=ada@example.com")
[ "$body" = queued ] || fail "POST /signup answered '$body'"
for _ in $(seq 1 20); do grep -q 'Welcome, ada@example.com' "$work/app.log" && break; sleep 0.25; done
grep -q 'Welcome, ada@example.com' "$work/app.log" || fail "the welcome job never ran on the pool"
echo "pool: the signup job ran"

start=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/slow")
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$code" = 504 ] || fail "GET /slow answered $code, expected 504"
[ "$took" -ge 1900 ] && [ "$took" -le 4000 ] || fail "GET /slow took $took ms, expected about 2000"
echo "deadline: /slow answered 504 after $took ms"

overview=$(curl -s "$base/actuator/sluice")
for word in '"emails"' '"hello"' '"PT2S"'; do
  printf '%s' "$overview" | grep -q "$word" || fail "/actuator/sluice lacks $word: $overview"
done
echo "actuator: /actuator/sluice shows the pool, the rule and the deadline"
