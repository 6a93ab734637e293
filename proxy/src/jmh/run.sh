#!/usr/bin/env bash
# Runs the statement-inspection JMH benchmarks (proxy/src/jmh, compiled only with -Pjmh).
# Extra arguments go to JMH, e.g.:  proxy/src/jmh/run.sh -f 1 -wi 2 -i 3 pgbenchCacheHit
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
log="$(mktemp -t jmh-build.XXXXXX.log)"
mvn -B -q -Pjmh -pl proxy -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$root/proxy/target/jmh-classpath.txt" >"$log" 2>&1 \
  || { tail -40 "$log"; exit 1; }
cp="$root/proxy/target/test-classes:$root/proxy/target/classes:$root/config/target/classes:$(cat "$root/proxy/target/jmh-classpath.txt")"
# FENCELINE_JMH names another benchmark class (e.g. io.fenceline.proxy.schema.SchemaPolicyBenchmark).
exec java -cp "$cp" org.openjdk.jmh.Main "${FENCELINE_JMH:-io.fenceline.proxy.sql.InspectionBenchmark}" "$@"
