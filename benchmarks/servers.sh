# The servers of the compare and profile runs (sourced by compare-run.sh and profile-run.sh, from the project's
# root): the jars they run, per server name "jar|arguments", and how one is started and awaited.
# shellcheck disable=SC2034 # read by the scripts that source this
sample=sample-app/target/sluice-sample-app-0.1.0-SNAPSHOT.jar
peers=benchmarks/peers

# The sample app's rule list replaced by one never-rejecting per-IP rule on /hello (a list binds as a whole).
rule=(--sluice.rate-limit.rules[0].name=hello --sluice.rate-limit.rules[0].paths=/hello
      --sluice.rate-limit.rules[0].key=ip
      --sluice.rate-limit.rules[0].limits[0].capacity=1000000000
      --sluice.rate-limit.rules[0].limits[0].refill=1000000000
      --sluice.rate-limit.rules[0].limits[0].period=1s)
no_rl=--sluice.rate-limit.enabled=false
no_cc=--sluice.concurrency-limit.enabled=false
no_dl=--sluice.deadline.enabled=false
no_sd=--sluice.shutdown.enabled=false

# server name -> "jar|arguments" (the sample app's own application.yml otherwise: /** capped at 200 in flight,
# a 10 s default deadline with the inbound budget header, the pools and task groups; pools and task groups are
# not on the request path and stay on everywhere)
declare -A servers=(
  [off]="$sample|$no_rl $no_cc $no_dl $no_sd"
  [off2]="$sample|$no_rl $no_cc $no_dl $no_sd"
  [on]="$sample|${rule[*]}"
  [on-nh]="$sample|${rule[*]} --sluice.rate-limit.headers=false"
  [rl]="$sample|${rule[*]} $no_cc $no_dl $no_sd"
  [rl-nh]="$sample|${rule[*]} --sluice.rate-limit.headers=false $no_cc $no_dl $no_sd"
  [cc]="$sample|$no_rl $no_dl $no_sd"
  [dl]="$sample|$no_rl $no_cc $no_sd"
  [sd]="$sample|$no_rl $no_cc $no_dl"
  [on-no-rl]="$sample|$no_rl"
  [on-no-cc]="$sample|${rule[*]} $no_cc"
  [on-no-dl]="$sample|${rule[*]} $no_dl"
  [on-no-sd]="$sample|${rule[*]} $no_sd"
  [bare]="$peers/bare/target/peer-bare.jar|"
  [bare-pass]="$peers/bare/target/peer-bare.jar|--peer.pass-filter.enabled=true"
  [bare-nowrap]="$peers/bare/target/peer-bare.jar|--peer.pass-filter.enabled=true --peer.pass-filter.wrap=false"
  [bare-garbage]="$peers/bare/target/peer-bare.jar|--peer.pass-filter.enabled=true --peer.pass-filter.garbage-bytes=1024"
  [b4j]="$peers/bucket4j/target/peer-bucket4j.jar|"
  [b4j-off]="$peers/bucket4j/target/peer-bucket4j.jar|--bucket4j.enabled=false"
  [r4j]="$peers/resilience4j/target/peer-resilience4j.jar|"
  [r4j-off]="$peers/resilience4j/target/peer-resilience4j.jar|--peer.guarded=false"
)
# COMPARE_BASE_JAR=<an earlier build of the sample app>: all on from that jar, to pair a change against its base
if [ -n "${COMPARE_BASE_JAR:-}" ]; then
  servers[on-base]="$COMPARE_BASE_JAR|${rule[*]}"
  servers[on-nh-base]="$COMPARE_BASE_JAR|${rule[*]} --sluice.rate-limit.headers=false"
fi

# start_server name port log: starts it in the background on $java, with app_args added (its pid is then in $!)
start_server() {
  local jar="${servers[$1]%%|*}" args
  read -r -a args <<< "${servers[$1]#*|}"
  "$java" -Xmx512m -jar "$jar" --server.port="$2" --logging.level.root=WARN \
    --management.endpoints.web.exposure.include=health "${args[@]}" "${app_args[@]}" >"$3" 2>&1 &
}

# await_server name port log: waits up to 3 minutes for its health endpoint, else shows its output and exits
await_server() {
  for _ in $(seq 1 360); do
    curl -fs "http://127.0.0.1:$2/actuator/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "server $1 on port $2 did not start; its output:" >&2
  tail -n 30 "$3" >&2
  exit 1
}
