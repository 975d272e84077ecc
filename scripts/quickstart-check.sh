#!/usr/bin/env bash
# Pastes the README's quick start, verbatim, into a fresh Spring Boot 4.1 application that depends on the
# starter installed from this checkout, starts it, and checks that it behaves as the README says.
# Run from the repository root: bash scripts/quickstart-check.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
readme="$root/README.md"
work="$(mktemp -d)"
app_pid=""
cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The n-th fenced block of a language inside the README's quick-start markers.
block() {
  awk -v lang="$1" -v want="$2" '
    /<!-- quick-start:begin -->/ { inside = 1; next }
    /<!-- quick-start:end -->/ { inside = 0 }
    inside && $0 ~ "^```" lang "$" { n++; if (n == want) { grab = 1; next } }
    grab && /^```$/ { grab = 0; exit }
    grab { print }
  ' "$readme"
}

echo "== installing the starter from this checkout into the local Maven repository"
./mvnw -B -q install -DskipTests -pl starter -am

echo "== a fresh Spring Boot 4.1 application in $work"
mkdir -p "$work/src/main/java/com/example/demo" "$work/src/main/resources"
dependency="$(block xml 1)"
[ -n "$dependency" ] || { echo "README quick start has no xml block"; exit 1; }
cat > "$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>4.1.1</version>
  </parent>
  <groupId>com.example</groupId>
  <artifactId>demo</artifactId>
  <version>0.0.1</version>
  <properties><java.version>17</java.version></properties>
  <dependencies>
$dependency
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.springframework.boot</groupId><artifactId>spring-boot-maven-plugin</artifactId>
  </plugin></plugins></build>
</project>
POM
block yaml 1 > "$work/src/main/resources/application.yml"
[ -s "$work/src/main/resources/application.yml" ] || { echo "README quick start has no yaml block"; exit 1; }
i=1
while java_src="$(block java $i)" && [ -n "$java_src" ]; do
  class="$(printf '%s\n' "$java_src" | sed -n 's/^\(public \)\{0,1\}\(final \)\{0,1\}\(class\|record\|interface\) \([A-Za-z0-9_]*\).*/\4/p' | head -n 1)"
  { echo "package com.example.demo;"; echo; printf '%s\n' "$java_src"; } > "$work/src/main/java/com/example/demo/$class.java"
  i=$((i + 1))
done
[ "$i" -gt 1 ] || { echo "README quick start has no java block"; exit 1; }

echo "== building it"
./mvnw -B -q -f "$work/pom.xml" package -DskipTests

port=$(( 20000 + RANDOM % 20000 ))
java -jar "$work"/target/demo-0.0.1.jar --server.port="$port" > "$work/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/actuator/health" >/dev/null 2>&1 && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log"; echo "the quick-start app died"; exit 1; }
  sleep 0.5
done
base="http://127.0.0.1:$port"

fail() { echo "QUICK START CHECK FAILED: $*"; echo "--- app log"; tail -n 60 "$work/app.log"; exit 1; }

# shellcheck source=/dev/null
source "$root/scripts/quickstart-expectations.sh"
echo "quick start check: the README quick start works as written"
