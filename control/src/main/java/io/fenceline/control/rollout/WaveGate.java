package io.fenceline.control.rollout;

import io.fenceline.config.coordination.RecordStore;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.records.Ack;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.Step;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.control.fleet.Fleet;
import io.fenceline.control.fleet.FleetConfig;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The gate between the waves of a step, and the error baseline measured before each wave: what must hold before
 * the next wave may start (acks agree, replicas and logical subscribers caught up, proxies reporting, the writer
 * lease where the proxies say, no rise in errors). Waits for conditions that may settle until its time box ends.
 */
final class WaveGate {

    private final FleetConfig config;
    private final Fleet fleet;
    private final RecordStore store;
    private final EtcdKeys keys;
    private final String group;
    private final Audit audit;
    private final Consumer<String> progress;
    private final Waits waits;
    private final WaveCalendar calendar;

    WaveGate(FleetConfig config, Fleet fleet, RecordStore store, EtcdKeys keys, Audit audit, Consumer<String> progress,
             Waits waits, WaveCalendar calendar) {
        this.config = config;
        this.fleet = fleet;
        this.store = store;
        this.keys = keys;
        this.group = config.group();
        this.audit = audit;
        this.progress = progress;
        this.waits = waits;
        this.calendar = calendar;
    }

    /**
     * The gate after wave {@code w}: the applied clusters' acks carry one checksum; the replicas of the wave's
     * clusters have replayed what the step wrote; every applied cluster has a proxy reporting (unless the policy says no proxies are required); proxies claiming the writer lease
     * hold the writer key's epoch. Waits for conditions that may still settle until the gate's time box (kept by
     * {@link WaveCalendar}, so a restart does not extend it) is over, then fails: the run halts.
     */
    Optional<String> check(Manifest m, Step step, List<List<String>> waves, int w, Baseline baseline) {
        int v = m.version();
        long windowEnd = waits.clock().nanoTime() + errorSettings().window().toNanos();
        List<String> applied = new ArrayList<>();
        for (int i = 0; i <= w; i++) {
            applied.addAll(waves.get(i));
        }
        Map<String, String> checksums = new TreeMap<>();
        for (String cluster : applied) {
            checksums.put(cluster, store.get(keys.ack(group, cluster, v, step), Ack.class).join()
                    .map(a -> a.value().checksum()).orElse("(no ack)"));
        }
        if (new TreeSet<>(checksums.values()).size() != 1) {
            return Optional.of("gate after wave " + w + " of " + step.text() + " V" + v + ": acked catalog checksums"
                    + " differ: " + checksums);
        }
        Duration timeout = config.policies().gateTimeout(step);
        Instant deadline = calendar.gateDeadline(timeout);
        String gateName = "the gate after wave " + w + " of " + step.text() + " V" + v;
        List<String> notes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, String> walAfterStep = new TreeMap<>();
        for (String cluster : waves.get(w)) {
            try (Connection c = fleet.connect(cluster)) {
                walAfterStep.put(cluster, ReplicasCaughtUp.position(c));
            } catch (SQLException e) {
                return Optional.of("gate after wave " + w + " of " + step.text() + " V" + v + ": cannot read the WAL"
                        + " position of " + cluster + ": [" + e.getSQLState() + "] " + e.getMessage());
            }
        }
        boolean told = false;
        while (true) {
            waits.requireLeader("while waiting for " + gateName);
            problems.clear();
            notes.clear();
            replicasBehind(walAfterStep, problems);
            Map<EtcdKey.Proxy, ProxyStatus> statuses = store.proxyStatuses(group).join();
            for (String cluster : applied) {
                long proxies = statuses.keySet().stream().filter(k -> k.cluster().equals(cluster)).count();
                if (proxies == 0) {
                    if (config.policies().requireProxies()) {
                        problems.add(cluster + " has no proxy reporting");
                    } else {
                        notes.add(cluster + ": no proxy reporting (policy require_proxies=false)");
                    }
                }
            }
            Optional<Versioned<WriterRecord>> writer = store.get(keys.writer(group), WriterRecord.class).join();
            if (writer.isPresent()) {
                long epoch = writer.get().entry().createRevision();
                statuses.forEach((k, s) -> {
                    if (s.writer() && s.epoch() != epoch) {
                        problems.add("proxy " + k.proxyId() + " of " + k.cluster() + " claims writer epoch " + s.epoch()
                                + " but the writer key has epoch " + epoch);
                    }
                });
            } else if (config.policies().requireProxies()) {
                problems.add("no cluster holds the writer lease of group " + group);
            } else {
                notes.add("no writer lease held (policy require_proxies=false)");
            }
            if (problems.isEmpty() || !waits.wall().now().isBefore(deadline)) {
                break;
            }
            if (!told) {
                calendar.gateWaiting(gateName, deadline, String.join("; ", problems));
                told = true;
            }
            waits.pause();
        }
        if (!problems.isEmpty()) {
            return Optional.of("gate after wave " + w + " of " + step.text() + " V" + v + " timed out: its time box of "
                    + timeout.toMillis() + " ms (policy gate_timeout) ended at "
                    + WaveCalendar.show(deadline, config.policies().calendar().windows()) + ": "
                    + String.join("; ", problems));
        }
        String errors = "error-rate gate off (policy error_window=0)";
        ErrorRateGate.Settings settings = errorSettings();
        if (settings.enabled()) {
            waits.until(windowEnd, "while measuring errors after wave " + w + " of " + step.text() + " V" + v);
            ErrorRateGate.Verdict verdict = ErrorRateGate.judge(settings, waves.get(w), baseline.b0(),
                    baseline.b(), store.proxyStatuses(group).join());
            if (!verdict.passed()) {
                return Optional.of("gate after wave " + w + " of " + step.text() + " V" + v + ": errors rose: "
                        + verdict.failures() + ". Rule: " + verdict.rule());
            }
            errors = verdict.summary();
        }
        audit.record("gate-passed", null, "version", v, "step", step.text(), "wave", w, "clusters", applied,
                "checksum", checksums.values().iterator().next(), "notes", String.join("; ", notes),
                "errors", errors, "error_rule", settings.enabled() ? settings.rule() : "off");
        progress.accept("  gate after wave " + w + " of " + step.text() + " V" + v + ": passed (errors: " + errors + ")");
        return Optional.empty();
    }

    /**
     * Adds a problem for every replica of the wave's clusters that has not yet applied the WAL up to the position
     * read just after the step ({@link ReplicasCaughtUp}).
     */
    private void replicasBehind(Map<String, String> walAfterStep, List<String> problems) {
        walAfterStep.forEach((cluster, lsn) -> {
            try (Connection c = fleet.connect(cluster)) {
                ReplicasCaughtUp.behind(cluster, c, lsn, problems);
            } catch (SQLException e) {
                problems.add("cannot connect to " + cluster + " to read its replicas' positions: [" + e.getSQLState()
                        + "] " + e.getMessage());
            }
        });
    }

    /** The proxies' counters a window before a wave's step and just before it (the error gate's baseline). */
    record Baseline(Map<EtcdKey.Proxy, ProxyStatus> b0, Map<EtcdKey.Proxy, ProxyStatus> b) {}

    ErrorRateGate.Settings errorSettings() {
        return new ErrorRateGate.Settings(config.policies().errorWindow(), config.policies().errorMaxRise(),
                config.policies().errorMinStatements());
    }

    /**
     * Reads the proxies' counters, waits one error window, and reads them again, before the wave's step. A wave
     * whose clusters are all done already (a resumed run), or a group where no proxy reports, gets no baseline:
     * its "before" is unknown.
     */
    Baseline baseline(List<String> wave, Step step, int v, Set<String> doneClusters) {
        ErrorRateGate.Settings settings = errorSettings();
        if (!settings.enabled() || doneClusters.containsAll(wave)) {
            return new Baseline(Map.of(), store.proxyStatuses(group).join());
        }
        Map<EtcdKey.Proxy, ProxyStatus> b0 = store.proxyStatuses(group).join();
        if (b0.isEmpty()) {
            // No proxy reports: there is no baseline to measure (the gate notes "not judged" for such clusters).
            return new Baseline(Map.of(), b0);
        }
        long end = waits.clock().nanoTime() + settings.window().toNanos();
        progress.accept("  measuring the error baseline of " + wave + " for " + settings.window().toMillis() + " ms");
        waits.until(end, "while measuring the error baseline before " + step.text() + " V" + v);
        return new Baseline(b0, store.proxyStatuses(group).join());
    }

}
