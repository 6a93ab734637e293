package io.fenceline.control.rollout;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.RecordStore;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.ManifestSet;
import io.fenceline.config.manifest.Phase;
import io.fenceline.config.manifest.PhaseName;
import io.fenceline.config.records.Ack;
import io.fenceline.config.records.Catalog;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.MigrationJournal.State;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.Step;
import io.fenceline.config.records.Window;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.control.calendar.WallClock;
import io.fenceline.control.fleet.Fleet;
import io.fenceline.control.fleet.FleetConfig;
import io.fenceline.control.fleet.Policies;
import io.fenceline.control.history.Direction;
import io.fenceline.control.history.HistoryTable;
import io.fenceline.control.history.StepOutcome;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The ordered rollout of DESIGN.md's lifecycle, one version at a time, journaled in etcd so that any control
 * instance can resume it:
 * {@code planned -> linted -> preflighted -> expanding(canary, waves...) -> backfilling(waves...)
 * -> window-widened -> draining -> contracting(waves...) -> done}.
 *
 * <p>Every journal write is a compare-and-set on the journal's mod revision and carries control's epoch, so
 * two instances cannot both advance it. Before each step and each commit the leader lease must be writable;
 * each cluster's phase runs through {@link HistoryTable} (epoch-fenced, once only) and is then acked in etcd
 * with the resulting catalog checksum. Between waves a gate checks the applied clusters' acks agree and
 * their proxies report, the writer lease is held where the proxies say, and the wave's error ratio did not rise
 * ({@link ErrorRateGate}, from the proxies' statement and error counters). After expand (and backfill) are
 * acked everywhere the new version's catalog is published and the window widened to {@code {old, new}};
 * contract waits until no proxy reports a connection of the old version, and the window then narrows to
 * {@code {new}}. A failed step or gate halts the run with everything kept as it is, and, when the policy
 * says so and the window has not widened yet, rolls back the applied clusters (down SQL, reverse order).
 * A wave begins only after its step's cooldown and inside a rollout window, and gates are time-boxed
 * ({@link WaveCalendar}, journaled in wall time so a resumed run honours them). Every decision is an audit record.
 */
public final class Rollout {

    private final FleetConfig config;
    private final Fleet fleet;
    private final RecordStore store;
    private final EtcdKeys keys;
    private final Leadership leadership;
    private final Audit audit;
    private final CrashPoints crash;
    private final Consumer<String> progress;
    private final String group;
    private final WallClock wall;
    private final Waits waits;
    private final WaveCalendar calendar;
    private final WaveGate gate;

    private final RunJournal journal;

    public Rollout(FleetConfig config, Fleet fleet, Coordinator etcd, Leadership leadership, Audit audit,
                   CrashPoints crash, Consumer<String> progress) {
        this(config, fleet, etcd, leadership, audit, crash, progress, WallClock.SYSTEM);
    }

    /**
     * A rollout whose journaled times (cooldowns, rollout windows, gate time boxes, the journal's timestamps) come
     * from {@code wall}: the system clock in production, a clock the test moves in tests.
     */
    public Rollout(FleetConfig config, Fleet fleet, Coordinator etcd, Leadership leadership, Audit audit,
                   CrashPoints crash, Consumer<String> progress, WallClock wall) {
        this.config = config;
        this.fleet = fleet;
        this.store = etcd.store();
        this.keys = etcd.keys();
        this.leadership = leadership;
        this.audit = audit;
        this.crash = crash;
        this.progress = progress;
        this.group = config.group();
        this.wall = wall;
        this.waits = new Waits(leadership::writable, etcd.clock(), wall);
        this.preflight = new Preflight(config, fleet, etcd);
        this.journal = new RunJournal(store, keys, group, leadership::epoch, waits, crash);
        this.calendar = new WaveCalendar(config.policies().calendar(), waits, audit, progress, journal);
        this.gate = new WaveGate(config, fleet, store, keys, audit, progress, waits, calendar);
    }

    private final Preflight preflight;
    private WaveCheck afterWave = (version, step, wave) -> Optional.empty();

    /** A check run after each wave's gate passed ({@code policies.verify: after_wave}); it halts the run like a gate. */
    public void afterEachWave(WaveCheck check) {
        this.afterWave = check;
    }

    /** The version the group is at: the window's oldest version, or the configured baseline. */
    public int currentVersion() {
        return currentVersion(store, keys, config);
    }

    /** The version {@code config}'s group is at, read from etcd. */
    public static int currentVersion(Coordinator etcd, FleetConfig config) {
        return currentVersion(etcd.store(), etcd.keys(), config);
    }

    private static int currentVersion(RecordStore store, EtcdKeys keys, FleetConfig config) {
        return store.get(keys.window(config.group()), Window.class).join().map(w -> w.value().oldest())
                .orElse(config.policies().baselineVersion());
    }

    /** Applies every version after the current one up to {@code target}; refuses while a run is active. */
    public RolloutOutcome apply(ManifestSet set, int target) {
        try {
            Optional<Versioned<MigrationJournal>> existing = journal.read();
            if (existing.isPresent() && !existing.get().value().state().terminal()) {
                MigrationJournal j = existing.get().value();
                return new RolloutOutcome.Refused("run " + j.runId() + " of V" + j.version() + " is " + j.state().text()
                        + (j.reason() == null ? "" : " (" + j.reason() + ")") + "; use resume or rollback");
            }
            return applyFrom(set, target);
        } catch (RolloutStop stop) {
            return stop.outcome;
        }
    }

    /** Continues the journal's run where it stopped (a halted run retries its step), then applies up to target. */
    public RolloutOutcome resume(ManifestSet set, int target) {
        try {
            Optional<Versioned<MigrationJournal>> existing = journal.read();
            if (existing.isEmpty() || existing.get().value().state().terminal()) {
                progress.accept("no run to resume; applying from V" + (currentVersion() + 1));
                return applyFrom(set, target);
            }
            journal.adopt(existing.get());
            Manifest m = manifest(set, journal.now().version());
            audit.record("resume", null, "version", m.version(), "run", journal.now().runId(), "state", journal.now().state().text(),
                    "epoch", leadership.epoch());
            progress.accept("resuming run " + journal.now().runId() + " of V" + m.version() + " from " + journal.now().state().text());
            if (journal.now().state() == State.HALTED) {
                State to = resumeState(journal.now().step(), m.version());
                journal.move(to, journal.now().step(), journal.now().wave(), journal.now().doneClusters(), null);
            }
            RolloutOutcome outcome = drive(m);
            if (!(outcome instanceof RolloutOutcome.Done)) {
                return outcome;
            }
            return applyFrom(set, target);
        } catch (RolloutStop stop) {
            return stop.outcome;
        }
    }

    /** The operator's rollback of the active run: down SQL of every applied cluster in reverse order. */
    public RolloutOutcome rollback(ManifestSet set, String why) {
        try {
            Optional<Versioned<MigrationJournal>> existing = journal.read();
            if (existing.isEmpty() || existing.get().value().state().terminal()) {
                return new RolloutOutcome.Refused("no active run to roll back"
                        + existing.map(e -> " (last run " + e.value().runId() + " of V" + e.value().version() + " is "
                        + e.value().state().text() + ")").orElse(""));
            }
            journal.adopt(existing.get());
            Manifest m = manifest(set, journal.now().version());
            audit.record("operator-rollback", null, "version", m.version(), "run", journal.now().runId(), "reason", why,
                    "state", journal.now().state().text());
            if (journal.now().state() != State.ROLLING_BACK && !journal.now().state().canMoveTo(State.ROLLING_BACK)) {
                journal.move(State.HALTED, journal.now().step(), journal.now().wave(), journal.now().doneClusters(), "operator: " + why);
            }
            return rollbackRun(m, "operator: " + why);
        } catch (RolloutStop stop) {
            return stop.outcome;
        }
    }

    private RolloutOutcome applyFrom(ManifestSet set, int target) {
        int last = currentVersion();
        while (true) {
            int current = currentVersion();
            if (current >= target) {
                return new RolloutOutcome.Done(current, current == last ? "nothing to apply: the group is at V" + current
                        : "applied V" + (last + 1) + " to V" + current);
            }
            Manifest m = manifest(set, current + 1);
            start(m, target);
            RolloutOutcome outcome = drive(m);
            if (!(outcome instanceof RolloutOutcome.Done)) {
                return outcome;
            }
        }
    }

    private void start(Manifest m, int target) {
        MigrationJournal fresh = journal.start(m.version());
        audit.record("start", null, "version", m.version(), "run", fresh.runId(), "checksum", m.checksum(),
                "target", target, "epoch", leadership.epoch(), "source", m.source());
        progress.accept("V" + m.version() + " (" + m.source() + "): run " + fresh.runId() + " started at epoch "
                + leadership.epoch());
    }

    private RolloutOutcome drive(Manifest m) {
        int v = m.version();
        while (true) {
            switch (journal.now().state()) {
                case PLANNED -> {
                    PreflightReport.Check lint = preflight.lintCheck(m);
                    audit.record(lint.passed() ? "lint-passed" : "lint-failed", null, "version", v, "detail", lint.detail());
                    if (!lint.passed()) {
                        journal.move(State.HALTED, null, 0, Set.of(), "lint: " + lint.detail());
                        audit.record("halt", null, "version", v, "reason", journal.now().reason());
                        return new RolloutOutcome.Halted(v, journal.now().reason());
                    }
                    journal.move(State.LINTED, null, 0, Set.of(), null);
                }
                case LINTED -> {
                    PreflightReport report = preflight.run(m, v - 1, journal.now().runId(), false);
                    report.checks().forEach(c -> progress.accept("  preflight " + (c.cluster() == null ? "group" : c.cluster())
                            + " " + c.name() + ": " + (c.passed() ? "ok" : "FAILED") + " - " + c.detail()));
                    if (!report.passed()) {
                        audit.record("preflight-failed", null, "version", v, "failures", report.failures());
                        journal.move(State.HALTED, null, 0, Set.of(), "preflight: " + report.failures());
                        audit.record("halt", null, "version", v, "reason", journal.now().reason());
                        return new RolloutOutcome.PreflightFailed(v, report);
                    }
                    audit.record("preflight-passed", null, "version", v, "expected", report.expected());
                    journal.move(State.PREFLIGHTED, null, 0, Set.of(), null);
                }
                case PREFLIGHTED -> {
                    ensureWindowAndCatalog(v - 1);
                    if (m.expand() != null) {
                        journal.move(State.EXPANDING, Step.EXPAND, 0, Set.of(), null);
                    } else if (m.backfill() != null) {
                        journal.move(State.BACKFILLING, Step.BACKFILL, 0, Set.of(), null);
                    } else {
                        widen(m);
                    }
                }
                case EXPANDING, BACKFILLING -> {
                    Step step = journal.now().step();
                    Optional<RolloutOutcome> failed = runStep(m, step);
                    if (failed.isPresent()) {
                        return failed.get();
                    }
                    if (step == Step.EXPAND && m.backfill() != null) {
                        journal.move(State.BACKFILLING, Step.BACKFILL, 0, Set.of(), null);
                    } else {
                        widen(m);
                    }
                }
                case WINDOW_WIDENED -> journal.move(State.DRAINING, m.contract() == null ? null : Step.CONTRACT, 0, Set.of(), null);
                case DRAINING -> {
                    Optional<RolloutOutcome> failed = drain(m);
                    if (failed.isPresent()) {
                        return failed.get();
                    }
                    if (m.contract() != null) {
                        boolean resumed = journal.now().step() == Step.CONTRACT;
                        journal.move(State.CONTRACTING, Step.CONTRACT, resumed ? journal.now().wave() : 0,
                                resumed ? journal.now().doneClusters() : Set.of(), null);
                    } else {
                        finish(m);
                    }
                }
                case CONTRACTING -> {
                    Optional<RolloutOutcome> failed = runStep(m, Step.CONTRACT);
                    if (failed.isPresent()) {
                        return failed.get();
                    }
                    finish(m);
                }
                case DONE -> {
                    return new RolloutOutcome.Done(v, "V" + v + " done");
                }
                case HALTED -> {
                    return new RolloutOutcome.Halted(v, journal.now().reason());
                }
                case ROLLING_BACK -> {
                    return rollbackRun(m, journal.now().reason());
                }
                case ROLLED_BACK -> {
                    return new RolloutOutcome.RolledBack(v, journal.now().reason());
                }
                default -> throw new IllegalStateException("unhandled journal state " + journal.now().state());
            }
        }
    }

    /** Applies {@code step} on every cluster not yet done, wave by wave, with a gate after each wave. */
    private Optional<RolloutOutcome> runStep(Manifest m, Step step) {
        int v = m.version();
        Phase phase = m.phase(PhaseName.valueOf(step.name())).orElseThrow();
        List<List<String>> waves = waves(v, step);
        for (int w = journal.now().wave(); w < waves.size(); w++) {
            calendar.admit(v, step, w, waves.get(w));
            WaveGate.Baseline baseline = gate.baseline(waves.get(w), step, v, journal.now().doneClusters());
            for (String cluster : waves.get(w)) {
                if (journal.now().doneClusters().contains(cluster)) {
                    continue;
                }
                requireLeader("before " + step.text() + " of V" + v + " on " + cluster);
                audit.record("step-started", cluster, "version", v, "step", step.text(), "wave", w,
                        "epoch", leadership.epoch());
                StepOutcome outcome;
                String checksum = null;
                long[] batched = {0, 0};
                try (Connection c = fleet.connect(cluster)) {
                    outcome = HistoryTable.run(c, v, step.text(), m.checksum(), leadership.epoch(), Direction.UP,
                            phase.statements(), m.options(), leadership::writable,
                            () -> crash.reach("before-commit/V" + v + "/" + step.text() + "/" + cluster),
                            (statement, batch, rows) -> {
                                batched[0]++;
                                batched[1] += rows;
                                if (rows == 0 || Integer.bitCount(batch) == 1 || batch % 100 == 0) {
                                    progress.accept("    " + step.text() + " V" + v + " on " + cluster + ": statement "
                                            + (statement + 1) + " batch " + batch + " changed " + rows + " row(s)"
                                            + (rows == 0 ? " (done)" : ""));
                                }
                                crash.reach("batch-committed/V" + v + "/" + step.text() + "/" + cluster + "/" + batch);
                            });
                    if (outcome instanceof StepOutcome.Applied || outcome instanceof StepOutcome.AlreadyApplied) {
                        crash.reach("step-committed/V" + v + "/" + step.text() + "/" + cluster);
                        checksum = CatalogFingerprint.take(c).checksum();
                    }
                } catch (SQLException e) {
                    return Optional.of(fail(m, step, cluster, "step-failed", step.text() + " of V" + v + " on " + cluster
                            + ": [" + e.getSQLState() + "] " + e.getMessage()));
                }
                if (outcome instanceof StepOutcome.Failed f) {
                    return Optional.of(fail(m, step, cluster, "step-failed", step.text() + " of V" + v + " on " + cluster
                            + ": statement " + (f.statementIndex() + 1) + " (" + oneLine(f.sql()) + ") failed: ["
                            + f.sqlState() + "] " + f.message()));
                }
                if (outcome instanceof StepOutcome.StaleEpoch s) {
                    audit.record("refused-stale-epoch", cluster, "version", v, "step", step.text(), "ours", s.ours(),
                            "seen", s.seen());
                    throw new RolloutStop(new RolloutOutcome.LostLeadership(cluster + " has seen control epoch " + s.seen()
                            + ", newer than ours (" + s.ours() + "); this instance is stale and applied nothing"));
                }
                if (outcome instanceof StepOutcome.LeaseLost l) {
                    throw new RolloutStop(new RolloutOutcome.LostLeadership("leader lease not writable " + l.when()
                            + " on " + cluster + "; transaction rolled back"));
                }
                store.put(keys.ack(group, cluster, v, step), new Ack(checksum, wall.now(), leadership.epoch())).join();
                audit.record("ack", cluster, "version", v, "step", step.text(), "checksum", checksum,
                        "outcome", outcome instanceof StepOutcome.Applied ? "applied" : "already-applied",
                        "epoch", leadership.epoch(), "batches", batched[0], "batched_rows", batched[1]);
                progress.accept("  " + step.text() + " V" + v + " on " + cluster + ": "
                        + (outcome instanceof StepOutcome.Applied ? "applied" : "already applied") + ", acked "
                        + checksum.substring(0, 12));
                crash.reach("step-acked/V" + v + "/" + step.text() + "/" + cluster);
                Set<String> done = new TreeSet<>(journal.now().doneClusters());
                done.add(cluster);
                journal.move(journal.now().state(), step, w, done, null);
            }
            Optional<String> gateFailure = gate.check(m, step, waves, w, baseline);
            if (gateFailure.isEmpty()) {
                final int wave = w;
                gateFailure = afterWave.after(v, step.text(), w).map(why -> "after wave " + wave + " of "
                        + step.text() + " V" + v + ": " + why);
            }
            if (gateFailure.isPresent()) {
                return Optional.of(fail(m, step, null, "gate-failed", gateFailure.get()));
            }
            if (w + 1 < waves.size()) {
                // The next wave's cooldown counts from now (journaled with the move).
                journal.update(j -> j.withTiming(calendar.waveEnded()));
                journal.move(journal.now().state(), step, w + 1, journal.now().doneClusters(), null);
                crash.reach("wave-done/V" + v + "/" + step.text() + "/" + w);
            }
        }
        return Optional.empty();
    }

    /**
     * The waves {@code step} of V{@code v} runs in: the order journaled when the step began (a resumed run keeps
     * it even if the writer moved since), else the order {@link WaveOrder} gives for the writer key read now,
     * journaled and audited ({@code phase-started}) before any cluster runs the step. A journal from before
     * orders were recorded that is already inside the step keeps the configured waves its wave index refers to.
     */
    private List<List<String>> waves(int v, Step step) {
        Optional<List<List<String>>> recorded = journal.now().waveOrder(step);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        if (journal.now().wave() > 0 || !journal.now().doneClusters().isEmpty()) {
            return config.waves();
        }
        Optional<String> writer = store.get(keys.writer(group), WriterRecord.class).join()
                .map(r -> r.value().cluster());
        Policies.WriterOrder policy = config.policies().writerOrder();
        List<List<String>> order = WaveOrder.of(config.waves(), step, policy, writer);
        journal.update(j -> j.withWaveOrder(step, order));
        journal.move(journal.now().state(), step, journal.now().wave(), journal.now().doneClusters(), null);
        audit.record("phase-started", null, "version", v, "step", step.text(), "waves", order,
                "writer", writer.orElse("(none)"), "writer_order", policy.text(),
                "canary", order.get(0), "epoch", leadership.epoch());
        progress.accept("  " + step.text() + " V" + v + ": waves " + order + " (writer " + writer.orElse("none")
                + ", policy writer_order=" + policy.text() + ")");
        return order;
    }

    /** Waits until no proxy of the group reports a connection of the old version; halts after the drain timeout. */
    private Optional<RolloutOutcome> drain(Manifest m) {
        int old = m.version() - 1;
        // The drain's time box is journaled like a gate's: a restart does not extend it.
        java.time.Instant deadline = calendar.gateDeadline(config.policies().drainTimeout());
        boolean told = false;
        while (true) {
            requireLeader("while draining V" + old);
            Map<EtcdKey.Proxy, ProxyStatus> statuses = store.proxyStatuses(group).join();
            int using = ProxyStatus.sumVersions(statuses.values()).getOrDefault(old, 0);
            boolean unknown = statuses.isEmpty() && config.policies().requireProxies();
            if (using == 0 && !unknown) {
                audit.record("drained", null, "version", old, "proxies", statuses.size(),
                        "note", statuses.isEmpty() ? "no proxy reporting (policy require_proxies=false)" : "0 connections");
                progress.accept("  V" + old + " drained (" + statuses.size() + " proxies report 0 connections of it)");
                return Optional.empty();
            }
            if (!told) {
                audit.record("drain-waiting", null, "version", old, "connections", using, "proxies", statuses.size());
                progress.accept("  waiting for V" + old + " to drain: " + (unknown ? "no proxy reporting"
                        : using + " connection(s) still use it"));
                told = true;
                calendar.gateWaiting("V" + old + " to drain", deadline, unknown ? "no proxy reporting"
                        : using + " connection(s) still use it");
            }
            if (!wall.now().isBefore(deadline)) {
                String reason = "drain of V" + old + " timed out after " + config.policies().drainTimeout().toSeconds()
                        + " s: " + (unknown ? "no proxy reporting" : using + " connection(s) still use it");
                journal.move(State.HALTED, m.contract() == null ? null : Step.CONTRACT, 0, Set.of(), reason);
                audit.record("halt", null, "version", m.version(), "reason", reason);
                return Optional.of(new RolloutOutcome.Halted(m.version(), reason));
            }
            waits.pause();
        }
    }

    private RolloutOutcome fail(Manifest m, Step step, String cluster, String action, String reason) {
        int v = m.version();
        audit.record(action, cluster, "version", v, "step", step.text(), "reason", reason);
        journal.move(State.HALTED, step, journal.now().wave(), journal.now().doneClusters(), reason);
        audit.record("halt", cluster, "version", v, "reason", reason);
        progress.accept("  HALTED: " + reason);
        boolean beforeWindow = step == Step.EXPAND || step == Step.BACKFILL;
        if (config.policies().autoRollback() && beforeWindow) {
            audit.record("rollback-started", null, "version", v, "by", "policy auto_rollback=true", "reason", reason);
            return rollbackRun(m, reason);
        }
        return new RolloutOutcome.Halted(v, reason);
    }

    /** Runs the down SQL of every applied phase (contract, backfill, expand) on clusters in reverse order. */
    private RolloutOutcome rollbackRun(Manifest m, String reason) {
        int v = m.version();
        if (journal.now().state() != State.ROLLING_BACK) {
            journal.move(State.ROLLING_BACK, journal.now().step(), journal.now().wave(), journal.now().doneClusters(), reason);
        }
        List<String> configuredReverse = new ArrayList<>(config.rolloutOrder());
        Collections.reverse(configuredReverse);
        for (PhaseName name : List.of(PhaseName.CONTRACT, PhaseName.BACKFILL, PhaseName.EXPAND)) {
            Optional<Phase> phase = m.phase(name);
            if (phase.isEmpty()) {
                continue;
            }
            Step step = Step.parse(name.key());
            // Each step is undone in the reverse of the order it was applied in (its journaled waves).
            List<String> order = journal.now().waveOrder(step).map(WaveOrder::reversed).orElse(configuredReverse);
            for (String cluster : order) {
                requireLeader("before rolling back " + name.key() + " of V" + v + " on " + cluster);
                StepOutcome outcome;
                try (Connection c = fleet.connect(cluster)) {
                    if (HistoryTable.netApplied(HistoryTable.rows(c), v, name.key()) <= 0) {
                        continue;
                    }
                    if (phase.get().down() == null) {
                        return rollbackFailed(m, step, cluster, name.key() + " of V" + v + " has no down SQL");
                    }
                    outcome = HistoryTable.run(c, v, name.key(), m.checksum(), leadership.epoch(), Direction.DOWN,
                            phase.get().downStatements(), m.options(), leadership::writable, () -> { });
                } catch (SQLException e) {
                    return rollbackFailed(m, step, cluster, "[" + e.getSQLState() + "] " + e.getMessage());
                }
                if (outcome instanceof StepOutcome.Failed f) {
                    return rollbackFailed(m, step, cluster, "down statement " + (f.statementIndex() + 1) + " ("
                            + oneLine(f.sql()) + ") failed: [" + f.sqlState() + "] " + f.message());
                }
                if (outcome instanceof StepOutcome.StaleEpoch || outcome instanceof StepOutcome.LeaseLost) {
                    throw new RolloutStop(new RolloutOutcome.LostLeadership("rollback of " + name.key() + " V" + v + " on "
                            + cluster + " refused: " + outcome));
                }
                store.delete(keys.ack(group, cluster, v, step)).join();
                audit.record("rolled-back-step", cluster, "version", v, "step", name.key(), "epoch", leadership.epoch());
                progress.accept("  rolled back " + name.key() + " V" + v + " on " + cluster);
            }
        }
        Optional<Versioned<Window>> window = store.get(keys.window(group), Window.class).join();
        if (window.isPresent() && window.get().value().newest() == v && v >= 1) {
            store.put(keys.window(group), Window.of(v - 1)).join();
            audit.record("window-narrowed", null, "window", Window.of(v - 1), "why", "rollback of V" + v);
        }
        store.delete(keys.catalog(group, v)).join();
        journal.move(State.ROLLED_BACK, null, 0, Set.of(), reason);
        audit.record("rolled-back", null, "version", v, "reason", reason);
        progress.accept("V" + v + " rolled back: " + reason);
        return new RolloutOutcome.RolledBack(v, reason);
    }

    private RolloutOutcome rollbackFailed(Manifest m, Step step, String cluster, String why) {
        String reason = "rollback of " + step.text() + " V" + m.version() + " on " + cluster + " failed: " + why;
        journal.move(State.HALTED, step, 0, Set.of(), reason);
        audit.record("halt", cluster, "version", m.version(), "reason", reason);
        return new RolloutOutcome.Halted(m.version(), reason);
    }

    private void widen(Manifest m) {
        int v = m.version();
        publishCatalog(v);
        Window window = store.get(keys.window(group), Window.class).join().map(Versioned::value)
                .orElse(Window.of(v - 1));
        if (window.newest() == v - 1) {
            Window wide = new Window(v - 1, v);
            store.put(keys.window(group), wide).join();
            audit.record("window-widened", null, "window", wide, "version", v);
            progress.accept("  window widened to {" + (v - 1) + ", " + v + "}");
        }
        journal.move(State.WINDOW_WIDENED, null, 0, Set.of(), null);
        crash.reach("window-widened/V" + v);
    }

    private void finish(Manifest m) {
        int v = m.version();
        if (m.contract() != null) {
            publishCatalog(v);
        }
        store.put(keys.window(group), Window.of(v)).join();
        audit.record("window-narrowed", null, "window", Window.of(v), "version", v);
        journal.move(State.DONE, null, 0, Set.of(), null);
        audit.record("done", null, "version", v, "run", journal.now().runId());
        progress.accept("V" + v + " done; window {" + v + "}");
    }

    private void ensureWindowAndCatalog(int current) {
        if (store.get(keys.window(group), Window.class).join().isEmpty()) {
            store.put(keys.window(group), Window.of(current)).join();
            audit.record("window-set", null, "window", Window.of(current), "why", "first migration of the group");
        }
        if (store.get(keys.catalog(group, current), Catalog.class).join().isEmpty()) {
            publishCatalog(current);
        }
    }

    /** Publishes the catalog of {@code version} from the canary's live catalog. */
    private void publishCatalog(int version) {
        String canary = config.waves().get(0).get(0);
        CatalogFingerprint fp;
        try (Connection c = fleet.connect(canary)) {
            fp = CatalogFingerprint.take(c);
        } catch (SQLException e) {
            throw new RolloutStop(new RolloutOutcome.Halted(version, "cannot read the catalog of " + canary + ": ["
                    + e.getSQLState() + "] " + e.getMessage()));
        }
        store.put(keys.catalog(group, version), new Catalog(version, fp.checksum(), fp.tables())).join();
        audit.record("catalog-published", canary, "version", version, "checksum", fp.checksum(),
                "tables", fp.tables().size());
    }

    private State resumeState(Step step, int version) {
        if (step == null) {
            boolean widened = store.get(keys.window(group), Window.class).join()
                    .map(w -> w.value().newest() == version).orElse(false);
            return widened ? State.DRAINING : State.LINTED;
        }
        return switch (step) {
            case EXPAND -> State.EXPANDING;
            case BACKFILL -> State.BACKFILLING;
            case CONTRACT -> State.DRAINING;
        };
    }

    private Manifest manifest(ManifestSet set, int version) {
        return set.version(version).orElseThrow(() -> new RolloutStop(new RolloutOutcome.Refused("no manifest for V"
                + version + " in " + set.folder())));
    }

    private void requireLeader(String when) {
        waits.requireLeader(when);
    }

    private static String oneLine(String sql) {
        String line = sql.replaceAll("\\s+", " ").strip();
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }
}
