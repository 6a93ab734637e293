# node-postgres's own test suites (sourced by bin/conformance). The pg package on npm carries no tests; the last
# releases of its sibling packages that do ship their test/ folders are pinned in conformance/node/package.json:
# pg-cursor (portals read in batches: Parse/Bind/Describe/Execute with a row limit, PortalSuspended, Close, Sync),
# pg-query-stream (the same through streams) and pg-pool (pooled clients, errors, timeouts). They run with mocha
# against the current pg driver, which they take from node_modules. Needs say() and fail(), ROOT and WORK.

NODE_DIR="$ROOT/conformance/node"
NODE_PACKAGES=(pg-cursor pg-query-stream pg-pool)
# Test files that cannot run here, alike in every run: they need stream-tester, which depends on a package that is
# on GitHub only, not on npm, and is not installed (docs/conformance.md lists them).
NODE_IGNORED=(pg-query-stream/test/stream-tester-timestamp.js pg-query-stream/test/stream-tester.js
              pg-query-stream/test/pauses.js)

node_prepare() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || fail "node and npm are needed for the node-postgres suite"
  if [[ ! -d "$NODE_DIR/node_modules/pg-cursor/test" || "$NODE_DIR/package.json" -nt "$NODE_DIR/node_modules" ]]; then
    say "node-postgres: npm ci in conformance/node"
    (cd "$NODE_DIR" && npm ci --no-audit --no-fund >"$WORK/npm.log" 2>&1) || fail "npm ci failed: see $WORK/npm.log"
    touch "$NODE_DIR/node_modules"
  fi
  say "node-postgres: pg $(node -p "require('$NODE_DIR/node_modules/pg/package.json').version"), $(for p in "${NODE_PACKAGES[@]}"; do printf '%s %s ' "$p" "$(node -p "require('$NODE_DIR/node_modules/$p/package.json').version")"; done)"
}

# node_run OUT PORT: every package's tests against 127.0.0.1:PORT as user test; one xunit report per package.
node_run() {
  local out=$1 port=$2 pkg ignore=()
  mkdir -p "$out/reports"
  for f in "${NODE_IGNORED[@]}"; do ignore+=(--ignore "node_modules/$f"); done
  for pkg in "${NODE_PACKAGES[@]}"; do
    rm -f "$out/reports/$pkg.xml"
    (cd "$NODE_DIR" && PGHOST=127.0.0.1 PGPORT="$port" PGUSER=test PGPASSWORD=test PGDATABASE=test \
      timeout 1200 node_modules/.bin/mocha --exit --timeout 20000 --reporter "$NODE_DIR/sqlstate-reporter.js" \
        --reporter-option "output=$out/reports/$pkg.xml" --reporter-option "suiteName=$pkg" \
        "${ignore[@]}" "node_modules/$pkg/test/*.js") >"$out/$pkg.log" 2>&1 || true
    [[ -s "$out/reports/$pkg.xml" ]] || fail "mocha wrote no report for $pkg: see $out/$pkg.log"
  done
}
