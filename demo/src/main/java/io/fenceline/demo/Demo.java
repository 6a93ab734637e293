package io.fenceline.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.control.cli.ExitCodes;
import io.fenceline.demo.fleet.LocalFleet;
import io.fenceline.demo.report.HtmlReport;
import io.fenceline.demo.report.Report;
import io.fenceline.demo.report.TerminalReport;
import io.fenceline.demo.report.Timeline;
import io.fenceline.demo.report.TimelineRecorder;
import io.fenceline.demo.report.Track;
import io.fenceline.demo.report.WriteCounts;
import io.fenceline.demo.workload.Outcome;
import io.fenceline.demo.workload.Workload;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The main job on one machine. {@link #run()} starts the fleet, drives the application through the proxies,
 * migrates the schema while it writes, cuts the writer's proxy off from etcd and shows it turn read-only before
 * another cluster takes over, hands the writer back, then counts and reports. {@link #close()} stops every
 * process and removes every directory; it is idempotent and is also the Ctrl-C path (a shutdown hook).
 */
final class Demo implements AutoCloseable {

    static final String GROUP = "main";
    static final List<String> CLUSTERS = List.of("eu", "us", "ap");
    static final String WRITER = "eu";
    static final String TAKEOVER = "us";
    /** ap is a read region: it never becomes the writer. */
    static final List<String> CANDIDATES = List.of("eu", "us");

    private final DemoOptions options;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final Features features;
    private final LocalFleet fleet = LocalFleet.of(CLUSTERS);
    private final TimelineRecorder timeline = new TimelineRecorder(CLUSTERS, this::millis);
    private final List<String> facts = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private volatile Path workDir;
    private volatile Coordinator etcd;
    private volatile Sampler sampler;
    private volatile Workload workload;
    private volatile Migration migration;
    private volatile Path controlConfig;
    private volatile boolean closed;

    Demo(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.features = Features.of(options.proxyJar());
    }

    private long millis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    void say(String line) {
        if (!closed) {
            out.printf(Locale.ROOT, "[%6.1fs] %s%n", millis() / 1000.0, line);
        }
    }

    /** The whole scenario; returns the report (also printed and written as HTML). */
    Report run() throws Exception {
        say("Fenceline demo: etcd, three PostgreSQL clusters (" + String.join(", ", CLUSTERS) + "), a proxy each, control,"
                + " and an application writing through the proxies");
        if (!features.writeAuthority()) {
            notes.add("write authority: the proxy of this build does not campaign for the writer lease yet (branch"
                    + " wa-core), so every cluster stays writable and the partition and handoff phases are skipped");
        }
        if (!features.schemaVersions()) {
            notes.add("schema versions: the proxy of this build does not enforce them yet (branch schema); the"
                    + " application's connections do not declare a version, so control's drain finds no connection of"
                    + " the old version to wait for");
        }
        workDir = Files.createTempDirectory("fenceline-demo-");
        fleet.start(new LocalFleet.Plan(CLUSTERS, WRITER, CANDIDATES, GROUP, options.proxyJar(), workDir,
                features.writeAuthority(), features.schemaVersions()), this::say);
        etcd = Coordinator.connect(EtcdSettings.defaults(fleet.etcd().endpoints())
                .withRequestTimeout(Duration.ofSeconds(3)));
        sampler = new Sampler(fleet, etcd, GROUP, timeline);
        sampler.start();
        if (features.writeAuthority()) {
            await("the writer lease held by " + WRITER, Duration.ofSeconds(30),
                    () -> sampler.writer().filter(WRITER::equals).isPresent());
            say(WRITER + " holds the writer lease; " + otherClusters(WRITER) + " are read-only");
        }

        workload = new Workload(CLUSTERS.stream().map(c -> new Workload.Endpoint(c, fleet.proxy(c).port())).toList(),
                CANDIDATES, LocalFleet.DATABASE, features.schemaVersions(), this::millis, options.paceMillis());
        workload.start(options.writers());
        timeline.mark("application v0 starts");
        say("application v0: " + options.writers() + " writers inserting orders (amount in cents) through the proxy of "
                + WRITER + ", a reader on every cluster");
        pause(options.warmUp());
        progress();

        migrate();
        pause(options.steady());

        if (features.writeAuthority()) {
            partition();
            handBack();
        }
        verify();
        telemetry();

        workload.close();
        timeline.mark("application stops");
        say("application stopped");
        progress();
        WriteCounts counts = count();
        Report report = new Report(timeline.snapshot(), counts, facts, notes, Duration.ofMillis(millis()));
        out.println();
        out.print(TerminalReport.render(report));
        Files.createDirectories(options.reportFile().toAbsolutePath().getParent());
        Files.writeString(options.reportFile(), HtmlReport.render(report));
        out.println();
        out.println("HTML report with the timeline: " + options.reportFile().toAbsolutePath());
        return report;
    }

    /**
     * V1 (expand, backfill) and V2 (contract) in one control run with one configuration, waves {@code [[eu], [us,
     * ap]]} and {@code writer_order: auto}: control reads the writer at the start of each step and reaches the
     * writer's cluster last in expand and backfill (a subscriber must have a column before its publisher sends it)
     * and first in contract (a publisher must stop sending a column before its subscribers drop it; the gate after
     * the writer's wave waits for the subscribers to replay its WAL).
     */
    private void migrate() throws Exception {
        migration = Migration.prepare(workDir, fleet, GROUP, features.writeAuthority());
        List<String> others = CLUSTERS.stream().filter(c -> !c.equals(WRITER)).toList();
        controlConfig = migration.config("control", List.of(List.of(WRITER), others));
        long started = timeline.now();
        long applyErrorsBefore = subscriptionApplyErrors();
        if (migrateTo(migration, 2, "V1: add orders.amount (numeric) with a trigger keeping both columns in step,"
                + " backfill it from amount_cents; V2: drop orders.amount_cents", controlConfig)) {
            facts.add(String.format(Locale.ROOT, "migration V1 (expand, backfill) and V2 (contract) applied on %s in"
                    + " %.1f s by one control run while the application wrote; the application moved v0 -> v1 -> v2"
                    + " as the window widened", String.join(", ", CLUSTERS), (timeline.now() - started) / 1000.0));
        }
        facts.add("logical replication during the migration: " + (subscriptionApplyErrors() - applyErrorsBefore)
                + " apply errors on the subscriptions of " + String.join(", ", CLUSTERS));
        progress();
    }

    /**
     * The apply errors of every cluster's subscriptions so far (PostgreSQL 15's
     * {@code pg_stat_subscription_stats}): a subscriber receiving a column it does not have, or one it still needs
     * after dropping it, counts one each time its apply worker stops.
     */
    private long subscriptionApplyErrors() throws SQLException {
        long errors = 0;
        for (String cluster : CLUSTERS) {
            try (Connection c = fleet.connectDirect(cluster); java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT coalesce(sum(apply_error_count), 0)"
                         + " FROM pg_stat_subscription_stats")) {
                rs.next();
                errors += rs.getLong(1);
            }
        }
        return errors;
    }

    /** One control run up to {@code version}; the application rolls over to each version as the window widens. */
    private boolean migrateTo(Migration migration, int version, String what, Path config) throws Exception {
        long started = timeline.mark("migration to V" + version + " starts");
        say("control: fenceline apply --config " + config.getFileName() + " --to " + version + " (" + what + ")");
        java.util.function.Consumer<String> relay = line -> {
            // Passed preflight checks are one line each; the acks, gates and window changes say enough.
            if (!line.matches("\\s*preflight .*: ok - .*")) {
                say("  control | " + line);
            }
        };
        CompletableFuture<Integer> apply = migration.applyAsync(config, version, relay);
        int exit = finish(apply, version);
        for (int attempt = 1; exit == ExitCodes.NOT_LEADER && attempt <= 2; attempt++) {
            // Under load control's leader lease can lapse; it stops at once and the journal says where it was.
            say("control lost its leader lease and stopped; fenceline resume continues from the journal");
            timeline.mark("migration resumed");
            exit = finish(migration.resumeAsync(config, version, relay), version);
        }
        sampler.sampleOnce();
        deployWhenWidened();
        long took = timeline.now() - started;
        if (exit == 0) {
            say(String.format(Locale.ROOT, "migration to V%d done in %.1f s", version, took / 1000.0));
            return true;
        }
        facts.add("migration to V" + version + " did not complete: control exited with " + exit + " (journal: "
                + sampler.journal().map(j -> "V" + j.version() + " " + j.state().text()
                + (j.reason() == null ? "" : ", " + j.reason())).orElse("none") + ")");
        say("migration to V" + version + " FAILED: control exited with " + exit);
        return false;
    }

    /** Waits for one control run, rolling the application over as the window widens; its exit code. */
    private int finish(CompletableFuture<Integer> run, int version) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!run.isDone()) {
            deployWhenWidened();
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("migration to V" + version + " did not finish within 4 minutes;"
                        + " journal: " + sampler.journal().orElse(null));
            }
            Thread.sleep(50);
        }
        return run.get();
    }

    /**
     * Rolls the application over to the newest version the window admits: the journal's version once its window
     * widened, or the version before it once a later run started (when the proxies enforce schema versions,
     * control's drain waits until no connection of the old version remains, so each widening is seen).
     */
    private void deployWhenWidened() {
        Optional<MigrationJournal> j = sampler.journal();
        if (j.isEmpty()) {
            return;
        }
        MigrationJournal.State state = j.get().state();
        boolean widened = state.ordinal() >= MigrationJournal.State.WINDOW_WIDENED.ordinal()
                && state.ordinal() <= MigrationJournal.State.DONE.ordinal();
        int ready = widened ? j.get().version() : j.get().version() - 1;
        while (workload.version() < ready) {
            int next = workload.version() + 1;
            workload.deploy(next);
            timeline.mark("application v" + next + " deployed");
            say("application v" + next + " rolled out: writers reconnect" + (features.schemaVersions()
                    ? " declaring schema version " + next : "") + (next == 1 ? " and insert amount as numeric" : ""));
        }
    }

    private void partition() throws InterruptedException {
        Optional<String> holder = sampler.writer();
        if (holder.isEmpty() || !holder.get().equals(WRITER)) {
            // A loaded machine can delay keepalives past the deadline: then the lease has already moved.
            say("the writer lease is at " + holder.orElse("no cluster") + ", not " + WRITER + " (keepalives delayed by"
                    + " load?); handing it to " + WRITER + " before the partition");
            timeline.mark("handoff to " + WRITER + " before the partition");
            migration.handoff(controlConfig, WRITER, "fenceline demo: the writer before the partition",
                    line -> say("  control | " + line));
            await(WRITER + " holding the writer lease", Duration.ofSeconds(40),
                    () -> sampler.writer().filter(WRITER::equals).isPresent());
        }
        // fenceline watch (policies.verify: after_writer_change, report_only) verifies after the failover by itself.
        java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<String> replayed = new java.util.concurrent.atomic.AtomicReference<>();
        Migration.Watching watch = migration.watch(migration.watchConfig("watch", List.of(List.of(WRITER),
                CLUSTERS.stream().filter(c -> !c.equals(WRITER)).toList())), line -> {
                    watching.compareAndSet(false, line.startsWith("watching the writer"));
                    if (line.strip().startsWith("every cluster replayed")) {
                        replayed.set(line.strip());
                    }
                    say("  watch | " + line);
                });
        await("fenceline watch following the writer key", Duration.ofSeconds(60), watching::get);
        long cut = timeline.mark(WRITER + " cut off from etcd");
        fleet.etcdLink(WRITER).blackhole();
        say("partition: the link between " + WRITER + "'s proxy and etcd now drops everything");
        await(TAKEOVER + " taking the writer lease", Duration.ofSeconds(40),
                () -> sampler.writer().filter(TAKEOVER::equals).isPresent());
        long takeover = timeline.mark(TAKEOVER + " holds the writer lease");
        sampler.sampleOnce();
        Timeline t = timeline.snapshot();
        Optional<Long> readOnly = t.firstAt(WRITER, Track.MODE, "read-only", cut);
        Optional<Outcome> lastOk = workload.log().lastAccepted(WRITER, takeover);
        Optional<Outcome> firstRefused = workload.log().first(o -> o instanceof Outcome.Refused r
                && r.cluster().equals(WRITER) && r.sqlState().equals("25006"), cut);
        StringBuilder fact = new StringBuilder(String.format(Locale.ROOT, "partition at %.1f s: ", cut / 1000.0));
        readOnly.ifPresentOrElse(
                ro -> fact.append(String.format(Locale.ROOT, "%s's database fenced read-only at %.1f s", WRITER,
                        ro / 1000.0)),
                () -> fact.append(WRITER + "'s database NOT seen read-only"));
        firstRefused.ifPresent(r -> fact.append(String.format(Locale.ROOT, ", its proxy refusing writes (25006) from"
                + " %.1f s", r.atMillis() / 1000.0)));
        lastOk.ifPresent(o -> fact.append(String.format(Locale.ROOT, ", its last accepted write at %.1f s",
                o.atMillis() / 1000.0)));
        fact.append(String.format(Locale.ROOT, "; %s took the writer lease at %.1f s", TAKEOVER, takeover / 1000.0));
        readOnly.ifPresent(ro -> fact.append(String.format(Locale.ROOT, " — %s was read-only %d ms before %s could"
                + " write", WRITER, takeover - ro, TAKEOVER)));
        facts.add(fact.toString());
        say(fact.toString());
        pause(options.steady());
        fleet.etcdLink(WRITER).pass();
        timeline.mark(WRITER + " reconnected to etcd");
        say("partition healed: " + WRITER + "'s proxy reaches etcd again and stays read-only (" + TAKEOVER
                + " holds the lease)");
        afterFailover(watch, replayed.get());
        pause(options.steady());
    }

    /** The fact of the watch's verify after the failover: its audit record's summary and the watch's exit code. */
    private void afterFailover(Migration.Watching watch, String replayed) throws InterruptedException {
        Migration.Verified v;
        try {
            v = watch.done().get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            watch.stop();
            facts.add("verify after the failover: fenceline watch did not finish within 120 s (" + e + ")");
            return;
        }
        Optional<io.fenceline.config.records.AuditRecord> record = etcd.store().listAudit(GROUP, 1, 100_000).join()
                .stream().filter(r -> r.action().equals("verify") && r.details().getOrDefault("why", "")
                        .startsWith("after the writer change")).reduce((a, b) -> b);
        String verdict = record.map(r -> r.details().get("outcome").equals("agree") ? "clusters agree"
                : r.details().get("summary")).orElse("no verify ran");
        String fact = String.format(Locale.ROOT, "verify after the failover, run by fenceline watch on its own: %s%s"
                        + " (fenceline watch exited %d)", verdict, record.map(r -> String.format(Locale.ROOT,
                        " — %s row(s) compared against %s in %.1f s, %s; %s", r.details().get("rows"),
                        r.details().get("writer"), Long.parseLong(r.details().get("took_ms")) / 1000.0,
                        r.details().get("why"), replayed == null ? "no published position of " + WRITER
                                + " to wait for (verify's own replay wait only)" : replayed)).orElse(""),
                v.exit());
        facts.add(fact);
        say(fact);
    }

    private void handBack() throws InterruptedException {
        long asked = timeline.mark("handoff to " + WRITER + " requested");
        say("planned handoff: fenceline handoff --to " + WRITER + " --wait (the writer pauses writes, " + WRITER
                + " catches up, the lease moves)");
        int exit = migration.handoff(controlConfig, WRITER, "fenceline demo: hand the writer back after the partition",
                line -> say("  control | " + line));
        await(WRITER + " taking the writer lease back", Duration.ofSeconds(40),
                () -> sampler.writer().filter(WRITER::equals).isPresent());
        long back = timeline.mark(WRITER + " holds the writer lease again");
        facts.add(String.format(Locale.ROOT, "planned handoff: %s writer again %d ms after the request (fenceline"
                + " handoff exited %d)", WRITER, back - asked, exit));
        say(String.format(Locale.ROOT, "%s is the writer again (%d ms after the request)", WRITER, back - asked));
        pause(options.steady());
    }

    /**
     * {@code fenceline verify} while the application still writes: every row of the group's tables compared on
     * every cluster with the writer's, after the partition, the takeover and the handoff back.
     */
    private void verify() throws IOException {
        say("control: fenceline verify --config " + controlConfig.getFileName() + " --policy report_only (the clusters'"
                + " rows compared with the writer's while the application writes)");
        Migration.Verified v = migration.verify(controlConfig, line -> say("  control | " + line));
        JsonNode r = new ObjectMapper().readTree(v.json());
        long rows = 0;
        for (JsonNode t : r.path("tables")) {
            rows += t.path("rows").asLong();
        }
        double seconds = r.path("took_ms").asLong() / 1000.0;
        String verdict = switch (v.exit()) {
            case 0 -> "clusters agree";
            case 1 -> r.path("summary").asText();
            default -> "could not verify (" + r.path("problem").asText("rows the writer kept changing") + ")";
        };
        String fact = String.format(Locale.ROOT, "verify after the partition: %s — %d row(s) of %d table(s) on %s"
                        + " compared with %s in %.1f s while the application wrote (run %s, fenceline verify exited %d)",
                verdict, rows, r.path("tables").size(), r.path("writer").asText(),
                String.join(", ", CLUSTERS.stream().filter(c -> !c.equals(r.path("writer").asText())).toList()),
                seconds, r.path("run").asText(), v.exit());
        facts.add(fact);
        say(fact);
    }

    /**
     * The telemetry lanes as facts: the writer's epochs over the run (which cluster, from when), and per cluster the
     * schema versions applied (its history table) and the application versions its connections used (its proxies'
     * status records), each as the sequence of values the timeline recorded.
     */
    private void telemetry() {
        List<Sampler.WriterEpoch> epochs = sampler.writerEpochs();
        facts.add("writer over the run: " + (epochs.isEmpty() ? "no cluster held the writer key"
                : String.join(" -> ", epochs.stream().map(e -> String.format(Locale.ROOT, "%s (epoch %d, from %s s)",
                e.cluster(), e.epoch(), seconds(e.atMillis()))).toList()) + "; " + (epochs.size() - 1)
                + " change(s) of hands"));
        Timeline t = timeline.snapshot();
        for (String c : CLUSTERS) {
            facts.add(c + " versions: applied " + sequence(t, c, Track.SCHEMA) + "; in use by connections "
                    + sequence(t, c, Track.IN_USE));
        }
    }

    /** The values a track took, in order, consecutive repeats removed: {@code V0 -> V0+V1 -> V1}. */
    static String sequence(Timeline t, String cluster, Track track) {
        List<String> values = new ArrayList<>();
        for (var s : t.segments(cluster, track)) {
            if (values.isEmpty() || !values.get(values.size() - 1).equals(s.value())) {
                values.add(s.value());
            }
        }
        return values.isEmpty() ? "(not observed)" : String.join(" -> ", values);
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }

    private WriteCounts count() throws InterruptedException, SQLException {
        String countOn = sampler.writer().orElse(WRITER);
        long[] accepted = workload.log().acceptedIds();
        long[] unknown = workload.log().unknownIds();
        say("counting: " + accepted.length + " accepted ids against the rows of every cluster (waiting for"
                + " replication to deliver them)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long present = 0;
        long unknownPresent = 0;
        long rows = 0;
        for (String cluster : Stream.concat(Stream.of(countOn), CLUSTERS.stream().filter(c -> !c.equals(countOn)))
                .toList()) {
            long found;
            try (Connection c = fleet.connectDirect(cluster)) {
                while (true) {
                    found = Workload.countPresent(c, accepted);
                    if (found == accepted.length || System.nanoTime() - deadline > 0) {
                        break;
                    }
                    Thread.sleep(200);
                }
                if (cluster.equals(countOn)) {
                    present = found;
                    unknownPresent = Workload.countPresent(c, unknown);
                    rows = Workload.countRows(c);
                }
            }
            facts.add(String.format(Locale.ROOT, "%s holds %d of the %d accepted writes%s", cluster, found,
                    accepted.length, cluster.equals(countOn) ? " (the writer at the end: lost is counted here)" : ""));
        }
        long attempted = workload.log().all().size();
        facts.add(String.format(Locale.ROOT, "reads through the proxies: %d answered, %d failed", workload.reads(),
                workload.readErrors()));
        return new WriteCounts(attempted, accepted.length, workload.refused(), unknown.length, unknownPresent,
                accepted.length - present, rows, countOn);
    }

    private void progress() {
        if (workload != null) {
            say(String.format(Locale.ROOT, "application so far: %d writes accepted, %d refused, %d unknown",
                    workload.log().count(o -> o instanceof Outcome.Accepted),
                    workload.log().count(o -> o instanceof Outcome.Refused),
                    workload.log().count(o -> o instanceof Outcome.Unknown)));
        }
    }

    private static String otherClusters(String cluster) {
        return String.join(" and ", CLUSTERS.stream().filter(c -> !c.equals(cluster)).toList());
    }

    private void pause(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    private void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** The processes (for the integration test's own checks before {@link #close()}). */
    LocalFleet fleet() {
        return fleet;
    }

    /** The application, once started. */
    Workload workload() {
        return workload;
    }

    /** The work directory (configurations, manifests, proxy logs), once created. */
    Path workDir() {
        return workDir;
    }

    /** What this build's proxy does. */
    Features features() {
        return features;
    }

    /**
     * For {@code --keep-running}: starts a Prometheus scraping the proxies with the chart's alerting rules (under
     * {@code fenceline.home}) and returns the lines to print: its URL, or that it is not installed.
     */
    String startPrometheus() {
        Path home = Path.of(System.getProperty("fenceline.home", ".")).toAbsolutePath().normalize();
        return fleet.startPrometheus(home.resolve("charts/fenceline/files/fenceline-rules.yaml"))
                .map(p -> "  prometheus: " + p.url() + "  (scrapes every proxy's /metrics every 5 s, with the alerting rules:"
                        + " " + p.url() + "/alerts)\n")
                .orElse("  prometheus: not installed, so not started (as root: apt-get install -y --no-install-recommends"
                        + " prometheus)\n");
    }

    /** Where to point psql, for {@code --keep-running}. */
    String endpoints() {
        StringBuilder s = new StringBuilder();
        for (String c : CLUSTERS) {
            s.append(String.format(Locale.ROOT, "  %s: through the proxy  psql -h 127.0.0.1 -p %d -U postgres %s%n"
                            + "      directly           psql -h 127.0.0.1 -p %d -U postgres %s   (proxy admin: http://127.0.0.1:%d/metrics)%n",
                    c, fleet.proxy(c).port(), LocalFleet.DATABASE, fleet.server(c).port(), LocalFleet.DATABASE,
                    fleet.proxy(c).adminPort()));
        }
        s.append("  etcd: ").append(fleet.etcd().endpoints().get(0)).append("  (keys under /fenceline)\n");
        return s.toString();
    }

    /** Whether {@link #close()} has begun (a Ctrl-C while the scenario runs). */
    boolean isClosed() {
        return closed;
    }

    /** Stops everything started and removes the work directory; safe to call twice and from a shutdown hook. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Exception> problems = new ArrayList<>();
        Stream.<AutoCloseable>of(workload, sampler, etcd, fleet).filter(java.util.Objects::nonNull).forEach(c -> {
            try {
                c.close();
            } catch (Exception e) {
                problems.add(e);
            }
        });
        if (workDir != null) {
            try (Stream<Path> paths = Files.walk(workDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                problems.add(new UncheckedIOException("cannot remove " + workDir, e));
            }
        }
        if (!problems.isEmpty()) {
            IllegalStateException e = new IllegalStateException("clean-up incomplete: " + problems.get(0).getMessage(),
                    problems.get(0));
            problems.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
