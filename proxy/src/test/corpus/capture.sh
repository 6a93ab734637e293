#!/usr/bin/env bash
# Regenerates the statement corpus of InspectionCorpusIT:
#   proxy/src/test/resources/io/fenceline/proxy/sql/corpus/corpus.tsv
#   proxy/src/test/resources/io/fenceline/proxy/sql/corpus/corpus-schema.sql
# It starts a throw-away PostgreSQL (the test fixture) with log_statement=all, runs pgbench, psql
# backslash commands, pgJDBC DatabaseMetaData, a Flyway-shaped migration, an ORM-shaped workload
# and docs-examples.sql against it, and writes back what the server logged. See CorpusCapture.
# Needs: JDK 17, Maven, PostgreSQL server binaries, psql, pgbench, pg_dump. Run from anywhere.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
cd "$root"
log="$(mktemp -t corpus-build.XXXXXX.log)"
mvn -B -q -pl proxy -am test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$root/proxy/target/corpus-classpath.txt" >"$log" 2>&1 \
  || { tail -40 "$log"; exit 1; }
cp="$root/proxy/target/test-classes:$root/proxy/target/classes:$root/config/target/test-classes:$root/config/target/classes:$(cat "$root/proxy/target/corpus-classpath.txt")"
exec java -cp "$cp" io.fenceline.proxy.sql.corpus.CorpusCapture \
    "$root/proxy/src/test/resources/io/fenceline/proxy/sql/corpus"
