#!/usr/bin/env bash
# Checks the Grafana dashboard and the Prometheus alert rules against a real Prometheus:
#  1. promtool check rules on observability/prometheus/sluice-alerts.yml;
#  2. starts the sample app (its jar, as scripts/demo-check.sh does) and a Prometheus scraping it every second
#     on loopback, with the alert rules loaded (their `for:` shortened to 1s), and drives the app with
#     scripts/demo.sh, which also pushes the `emails` pool past its queue;
#  3. evaluates every dashboard query and every alert expression through Prometheus's HTTP API: a query that
#     fails, returns no series, or whose series lack a label it groups by fails the check, and so does every
#     metric selector of an alert expression that matches no series (a meter that does not exist, a misspelt
#     label);
#  4. waits for the SluicePoolRejecting alert to fire (/api/v1/alerts);
#  5. self-test: the same query check on observability/test/broken-dashboard.json, a panel on a meter that does
#     not exist, must fail.
# Stops everything it started. Needs curl and jq; installs Debian's prometheus (which brings promtool) and jq
# when they are missing. Loopback only, bounded in time.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
dashboard=observability/grafana/sluice.json
rules=observability/prometheus/sluice-alerts.yml
broken=observability/test/broken-dashboard.json

if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null || ! command -v jq >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus jq
fi

echo "== promtool check rules $rules"
promtool check rules "$rules"

work="$(mktemp -d)"
app_pid=""
prom_pid=""
cleanup() {
  local status=$?
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null || true; fi
  if [ -n "$prom_pid" ]; then kill "$prom_pid" 2>/dev/null; wait "$prom_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

jar=sample-app/target/sluice-sample-app-0.1.0-SNAPSHOT.jar
[ -f "$jar" ] || ./mvnw -B -q -pl sample-app -am package -DskipTests
app_port="$(free_port)"
java -jar "$jar" --server.port="$app_port" > "$work/app.log" 2>&1 &
app_pid=$!
# Up to 3 minutes: on a loaded 2-core machine the app has taken 50 s to start.
for _ in $(seq 1 360); do
  curl -fs "http://127.0.0.1:$app_port/actuator/health" >/dev/null 2>&1 && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log"; echo "the sample app died"; exit 1; }
  sleep 0.5
done
curl -fs "http://127.0.0.1:$app_port/actuator/health" >/dev/null \
  || { tail -n 50 "$work/app.log"; echo "the sample app did not become healthy"; exit 1; }

# The rules as shipped, but firing after 1 s instead of minutes, so the check can see one fire.
sed -E 's/^( *)for: .*/\1for: 1s/' "$rules" > "$work/alerts.yml"
cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $work/alerts.yml
scrape_configs:
  - job_name: sluice-sample
    metrics_path: /actuator/prometheus
    static_configs:
      - targets: ['127.0.0.1:$app_port']
EOF
promtool check config "$work/prometheus.yml" >/dev/null
prom_port="$(free_port)"
prom="http://127.0.0.1:$prom_port"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
prom_pid=$!
for _ in $(seq 1 60); do
  curl -fs "$prom/-/ready" >/dev/null 2>&1 && break
  kill -0 "$prom_pid" 2>/dev/null || { cat "$work/prometheus.log"; echo "Prometheus died"; exit 1; }
  sleep 0.5
done
curl -fs "$prom/-/ready" >/dev/null || { cat "$work/prometheus.log"; echo "Prometheus is not ready"; exit 1; }

# The alerts read rates, which need a sample from before the demo: wait for Prometheus's first scrape (its target
# discovery can take seconds), else on an idle machine the whole demo lands before it and every counter starts high.
for _ in $(seq 1 60); do
  [ "$(curl -fsS -G "$prom/api/v1/query" --data-urlencode 'query=up{job="sluice-sample"} == 1' 2>/dev/null \
    | jq '.data.result | length' 2>/dev/null)" = 1 ] && break
  sleep 0.5
done
sleep 1

echo "== scripts/demo.sh drives the sample app while Prometheus scrapes it"
timeout 90 bash scripts/demo.sh "http://127.0.0.1:$app_port" > "$work/demo.out" 2>&1 \
  || { cat "$work/demo.out"; echo "the demo failed"; exit 1; }
grep -E 'signups at once' "$work/demo.out" || true
# Two more scrapes after the demo, so rates see its last requests.
sleep 3

# query <promql> -> the API's JSON answer on stdout; fails when Prometheus refuses the query.
query() {
  local answer
  answer="$(curl -fsS -G "$prom/api/v1/query" --data-urlencode "query=$1")" || return 1
  [ "$(jq -r .status <<<"$answer")" = success ] || return 1
  printf '%s' "$answer"
}

# check_query <where> <promql>: at least one series; every series has each label the query groups by.
check_query() {
  local where="$1" expr="$2" answer count label
  if ! answer="$(query "$expr")"; then
    echo "FAIL $where: Prometheus refused the query: $expr"; return 1
  fi
  count="$(jq '.data.result | length' <<<"$answer")"
  if [ "$count" -eq 0 ]; then
    echo "FAIL $where: no series for: $expr"; return 1
  fi
  for label in $(grep -oE '\b(by|on) *\([^)]*\)' <<<"$expr" | sed -E 's/^(by|on) *\(//; s/\)$//; s/,/ /g' | tr ' ' '\n' | sort -u); do
    if [ "$(jq --arg l "$label" '[.data.result[] | select(.metric | has($l) | not)] | length' <<<"$answer")" -ne 0 ]; then
      echo "FAIL $where: series without label '$label' (misspelt?) for: $expr"; return 1
    fi
  done
  echo "ok   $where: $count series"
}

# check_dashboard <file>: every target of every panel, with Grafana's variables as "everything".
check_dashboard() {
  local file="$1" failed=0 title expr
  while IFS=$'\t' read -r title expr; do
    expr="${expr//\$__rate_interval/1m}"
    expr="${expr//\$__interval/15s}"
    expr="${expr//\$job/.+}"
    check_query "panel '$title'" "$expr" || failed=1
  done < <(jq -r '.. | objects | select(has("targets")) | .title as $t | .targets[] | [$t, .expr] | @tsv' "$file")
  return "$failed"
}

# check_alerts: every rule Prometheus loaded; its expression must evaluate, and each metric selector in it
# must match series (the expression itself is empty while the alert does not fire).
check_alerts() {
  local failed=0 name expr selector loaded
  loaded="$(curl -fsS "$prom/api/v1/rules" | jq '[.data.groups[].rules[]] | length')"
  [ "$loaded" -eq "$(grep -c '^ *- alert:' "$rules")" ] || { echo "FAIL: Prometheus loaded $loaded rules"; return 1; }
  while IFS=$'\t' read -r name expr; do
    query "$expr" >/dev/null || { echo "FAIL alert $name: Prometheus refused: $expr"; failed=1; continue; }
    while read -r selector; do
      check_query "alert $name, selector $selector" "$selector" || failed=1
    done < <(grep -oE '\b(sluice|executor)_[a-zA-Z0-9_]+(\{[^}]*\})?' <<<"$expr" | sort -u)
  done < <(curl -fsS "$prom/api/v1/rules" | jq -r '.data.groups[].rules[] | [.name, .query] | @tsv')
  return "$failed"
}

echo "== every query of $dashboard"
check_dashboard "$dashboard" || { echo "PROMETHEUS CHECK FAILED: a dashboard query returned nothing"; exit 1; }

echo "== every alert expression of $rules"
check_alerts || { echo "PROMETHEUS CHECK FAILED: an alert expression names what the app does not export"; exit 1; }

echo "== SluicePoolRejecting fires after the demo pushed the emails pool past its queue"
fired=""
for _ in $(seq 1 30); do
  fired="$(curl -fsS "$prom/api/v1/alerts" | jq -r '.data.alerts[] | select(.labels.alertname == "SluicePoolRejecting" and .state == "firing") | .labels.pool')"
  [ -n "$fired" ] && break
  sleep 1
done
[ "$fired" = emails ] || { curl -fsS "$prom/api/v1/alerts"; echo; echo "PROMETHEUS CHECK FAILED: SluicePoolRejecting did not fire"; exit 1; }
echo "ok   SluicePoolRejecting firing for pool=$fired"

echo "== self-test: $broken (a meter that does not exist, a misspelt label) must fail"
if self_test="$(check_dashboard "$broken")"; then
  echo "$self_test"; echo "PROMETHEUS CHECK FAILED: the broken dashboard passed; the check would miss a missing meter"; exit 1
fi
echo "$self_test"
for expected in "ok   panel 'Tasks running'" "FAIL panel 'A meter that does not exist'" "FAIL panel 'A misspelt label'"; do
  grep -qF "$expected" <<<"$self_test" || { echo "PROMETHEUS CHECK FAILED: the self-test did not report: $expected"; exit 1; }
done
echo "ok   the broken dashboard failed, on exactly its two broken panels"

echo "prometheus check: every dashboard query and alert expression found its series"
