package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.PutResult;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.HandoffProgress;
import io.fenceline.config.records.HandoffProgress.Phase;
import io.fenceline.config.records.HandoffRequest;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.WriterRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code fenceline handoff}: asks the group's writer to move to another cluster by writing a
 * {@link HandoffRequest} at {@code …/groups/{group}/handoff}; with {@code --wait}, follows
 * {@code …/handoff-progress} and prints each stage until the handoff completes or aborts. The proxies do
 * the work (docs/write-authority.md, "Planned handoff"); this verb only asks and watches.
 */
@Command(name = "handoff", description = {"Move the group's writer to another cluster without client errors: the"
        + " writer pauses writes, waits until the target has applied its WAL, releases its lease, and the target takes"
        + " over. With --wait, print each stage until it completes or aborts. --cancel withdraws a pending request"
        + " (aborting it while the writer is paused).",
        "Exit 0 requested (or completed, with --wait; or the target already is the writer); 2 bad input; 3 etcd"
                + " unreachable; 8 refused (a handoff is pending, the target is read-only, nothing to cancel);"
                + " 9 --wait saw no outcome in time; 10 aborted, rejected or expired; 1 completed, but the verify that"
                + " policies.verify: after_writer_change runs after it found divergence (or could not judge)."})
final class HandoffCommand extends OperatorCommand {

    /** How long after the handoff's own timeout {@code --wait} keeps following (the target's campaign). */
    static final Duration FOLLOW_GRACE = Duration.ofSeconds(10);

    @Option(names = "--to", paramLabel = "CLUSTER", description = "the cluster that should become the writer")
    String to;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "abort (back to the current writer) if the target has not caught up by then;"
                    + " default ${DEFAULT-VALUE}")
    Duration timeout;

    @Option(names = "--wait", description = "follow the handoff and print each stage until it completes or aborts")
    boolean follow;

    @Option(names = "--cancel", description = "withdraw the pending handoff request")
    boolean cancel;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (kept in the audit record)")
    String reason;

    @Override
    int run(ControlSession session) throws Exception {
        if (!validGroup(session)) {
            return ExitCodes.BAD_INPUT;
        }
        if (cancel) {
            return cancel(session);
        }
        String group = group(session);
        if (to == null) {
            err().println("fenceline handoff: say where the writer should go with --to CLUSTER (or --cancel)");
            return ExitCodes.BAD_INPUT;
        }
        if (timeout.isZero()) {
            err().println("fenceline handoff: --timeout must be more than 0");
            return ExitCodes.BAD_INPUT;
        }
        var known = knownClusters(session);
        if (!known.contains(to)) {
            err().println("fenceline handoff: cluster '" + to + "' is unknown in group " + group + " (known: "
                    + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
            return ExitCodes.BAD_INPUT;
        }
        var store = session.etcd.store();
        var keys = session.etcd.keys();
        Optional<Versioned<HandoffRequest>> pending = store.get(keys.handoff(group), HandoffRequest.class).join();
        if (pending.isPresent()) {
            err().println("fenceline handoff: refused: " + describe(pending.get().value())
                    + " is pending; wait for it (fenceline writer shows its progress) or withdraw it with"
                    + " fenceline handoff --cancel");
            return ExitCodes.REFUSED;
        }
        Optional<Versioned<WriterRecord>> writer = store.get(keys.writer(group), WriterRecord.class).join();
        var audit = audit(session);
        if (writer.isPresent() && writer.get().value().cluster().equals(to)) {
            long epoch = writer.get().entry().createRevision();
            audit.record("operator-handoff-noop", to, "why", "already the writer", "epoch", epoch,
                    "reason", reason == null ? "(none given)" : reason);
            out().println("cluster " + to + " already holds the writer of group " + group + " (epoch " + epoch
                    + "); nothing to do");
            return ExitCodes.OK;
        }
        Optional<StoredEntry> targetMode = store.getEntry(keys.mode(group, to)).join();
        if (targetMode.isPresent() && Mode.tryParse(targetMode.get().value()).orElse(Mode.READ_ONLY) == Mode.READ_ONLY) {
            err().println("fenceline handoff: refused: cluster " + to + " is " + modeText(targetMode)
                    + ", so it would not take the writer key; set it writable first (fenceline mode writable --cluster "
                    + to + ")");
            return ExitCodes.REFUSED;
        }
        HandoffRequest request = new HandoffRequest("h-" + UUID.randomUUID().toString().substring(0, 8), to, actor(),
                Instant.now(), timeout.toMillis());
        PutResult put = store.putIfAbsent(keys.handoff(group), request).join();
        if (!(put instanceof PutResult.Written written)) {
            err().println("fenceline handoff: refused: another handoff request was written at the same time: "
                    + ((PutResult.Conflict) put).current().map(StoredEntry::value).orElse("(gone again)"));
            return ExitCodes.REFUSED;
        }
        String from = writer.map(w -> w.value().cluster() + " (epoch " + w.entry().createRevision() + ")").orElse("none");
        AuditRecord asked = audit.record("operator-handoff", to, "request", request.requestId(), "from", from,
                "timeoutMillis", timeout.toMillis(), "reason", reason == null ? "(none given)" : reason);
        PrintWriter progress = json ? err() : out();
        progress.println("requested handoff " + request.requestId() + " of group " + group + ": writer " + from + " -> "
                + to + ", timeout " + timeout.toMillis() + " ms");
        if (writer.isEmpty()) {
            progress.println("  no cluster holds the writer key: the request doubles as a manual failover to " + to
                    + " (within its replication-lag bound)");
        }
        progress.flush();
        if (!follow) {
            if (json) {
                out().println(Json.MAPPER.createObjectNode().put("request", request.requestId()).put("group", group)
                        .put("target", to).put("from", from).put("outcome", "requested").put("exit", ExitCodes.OK)
                        .toPrettyString());
            } else {
                out().println("follow it with 'fenceline writer' (or run with --wait)");
            }
            return ExitCodes.OK;
        }
        int code = follow(session, group, request, written.revision(), asked.seq(), progress);
        var consistency = session.config.policies().consistency();
        if (code == ExitCodes.OK && group.equals(session.config.group()) && consistency.verifyAt()
                .contains(io.fenceline.control.fleet.Consistency.VerifyAt.AFTER_WRITER_CHANGE)) {
            // policies.verify: after_writer_change: writes the new writer did not expect show up as divergence.
            Optional<String> failed = new io.fenceline.control.reconcile.Enforcement(session.fleet, store,
                    session.etcd.keys(), group, audit, session.config.rolloutOrder(),
                    io.fenceline.control.verify.Verifier.Settings.DEFAULTS, line -> {
                        progress.println(line);
                        progress.flush();
                    }).check("after the handoff to " + to, consistency.onDivergence());
            if (failed.isPresent()) {
                progress.println("the handoff completed, but " + failed.get());
                progress.flush();
                return ExitCodes.FINDINGS;
            }
        }
        return code;
    }

    /** Prints each stage of {@code request} from the watch, until an outcome or the follow deadline. */
    private int follow(ControlSession session, String group, HandoffRequest request, long fromRevision, long auditSeq,
                       PrintWriter progress) throws InterruptedException {
        var store = session.etcd.store();
        var keys = session.etcd.keys();
        String requestKey = keys.handoff(group);
        String progressKey = keys.handoffProgress(group);
        BlockingQueue<KeyEvent> events = new LinkedBlockingQueue<>();
        long started = System.nanoTime();
        long deadline = started + timeout.plus(FOLLOW_GRACE).toNanos();
        ArrayNode stages = Json.MAPPER.createArrayNode();
        Phase last = null;
        long requestGoneAt = 0;
        String outcome;
        int code;
        try (ResumableWatch watch = session.etcd.watch(requestKey, true, fromRevision, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                // After a compaction: the current keys stand in for the changes that were lost.
                if (entries.stream().noneMatch(e -> e.key().equals(requestKey))) {
                    events.add(new KeyEvent(KeyEvent.Type.DELETE, new StoredEntry(requestKey, "", 0, revision, 0, 0)));
                }
                entries.forEach(e -> events.add(new KeyEvent(KeyEvent.Type.PUT, e)));
            }

            @Override
            public void onEvents(List<KeyEvent> changes) {
                events.addAll(changes);
            }
        })) {
            while (true) {
                KeyEvent e = events.poll(100, TimeUnit.MILLISECONDS);
                long now = System.nanoTime();
                if (e != null && e.type() == KeyEvent.Type.PUT && e.key().equals(progressKey)) {
                    HandoffProgress p = Records.fromJson(e.key(), e.entry().value(), HandoffProgress.class);
                    if (p.requestId().equals(request.requestId()) && p.phase() != last) {
                        last = p.phase();
                        String line = stage(session, group, p);
                        stages.addObject().put("phase", p.phase().name()).put("after_ms", (now - started) / 1_000_000)
                                .put("detail", line);
                        progress.printf("  +%.2fs %-9s %s%n", (now - started) / 1e9, p.phase().name(), line);
                        progress.flush();
                        if (p.phase() == Phase.COMPLETED) {
                            outcome = "completed";
                            code = ExitCodes.OK;
                            break;
                        }
                        if (p.phase() == Phase.ABORTED) {
                            outcome = "aborted: " + p.reason();
                            code = ExitCodes.ABORTED;
                            break;
                        }
                    }
                } else if (e != null && e.type() == KeyEvent.Type.DELETE && e.key().equals(requestKey)) {
                    requestGoneAt = now;
                }
                if (requestGoneAt != 0 && events.isEmpty() && now - requestGoneAt > 500_000_000L) {
                    // Withdrawn without a COMPLETED or ABORTED of ours: the writer rejected it, it expired, or
                    // someone deleted it. The proxies audit why.
                    outcome = withdrawn(store.listAudit(group, auditSeq + 1, 10_000).join(), request.requestId());
                    code = ExitCodes.ABORTED;
                    progress.printf("  +%.2fs %-9s %s%n", (now - started) / 1e9, "WITHDRAWN", outcome);
                    break;
                }
                if (now - deadline >= 0) {
                    outcome = "no outcome within " + timeout.plus(FOLLOW_GRACE).toSeconds() + " s (last stage: "
                            + (last == null ? "none; is a proxy of the writer running?" : last.name())
                            + "); the request is " + (requestGoneAt == 0 ? "still pending" : "gone");
                    code = ExitCodes.UNCONFIRMED;
                    break;
                }
            }
        }
        Optional<Versioned<WriterRecord>> writer = store.get(keys.writer(group), WriterRecord.class).join();
        String now = writer.map(w -> w.value().cluster() + " (proxy " + w.value().proxy() + ", epoch "
                + w.entry().createRevision() + ")").orElse("none");
        if (json) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("request", request.requestId()).put("group", group).put("target", request.targetCluster());
            root.set("stages", stages);
            root.put("outcome", outcome).put("writer", now).put("exit", code);
            out().println(root.toPrettyString());
        } else {
            out().println((code == ExitCodes.OK ? "handoff " : "handoff NOT done: ") + request.requestId() + " "
                    + outcome + "; writer now " + now);
        }
        return code;
    }

    private static String stage(ControlSession session, String group, HandoffProgress p) {
        return switch (p.phase()) {
            case PAUSED -> p.from() + " paused writes and fenced its database at LSN " + lsn(p.pauseLsn());
            case CAUGHT_UP -> p.target() + " applied " + lsn(p.appliedLsn()) + " >= " + lsn(p.pauseLsn());
            case RELEASED -> p.from() + " gave the writer key up; writes held there now get 25006";
            case COMPLETED -> p.target() + " is the writer" + session.etcd.store()
                    .get(session.etcd.keys().writer(group), WriterRecord.class).join()
                    .map(w -> " (epoch " + w.entry().createRevision() + ")").orElse("")
                    + (p.reason().isEmpty() ? "" : ": " + p.reason());
            case ABORTED -> p.reason() + "; " + p.from() + " writes again";
        };
    }

    /** Why a request disappeared without an outcome, from the proxies' audit records. */
    static String withdrawn(List<AuditRecord> since, String requestId) {
        for (AuditRecord r : since) {
            if (requestId.equals(r.details().get("request"))
                    && Set.of("handoff.rejected", "handoff.expired", "handoff.aborted").contains(r.action())) {
                return r.action().substring("handoff.".length()) + " by " + r.actor()
                        + (r.details().containsKey("why") ? ": " + r.details().get("why") : "");
            }
            if ("operator-handoff-cancel".equals(r.action()) && requestId.equals(r.details().get("request"))) {
                return "cancelled by " + r.actor();
            }
        }
        return "the request was deleted without an outcome (no proxy audited why)";
    }

    private int cancel(ControlSession session) {
        String group = group(session);
        var store = session.etcd.store();
        var keys = session.etcd.keys();
        Optional<Versioned<HandoffRequest>> pending = store.get(keys.handoff(group), HandoffRequest.class).join();
        if (pending.isEmpty()) {
            err().println("fenceline handoff: no handoff request is pending in group " + group + "; nothing to cancel");
            return ExitCodes.REFUSED;
        }
        HandoffRequest r = pending.get().value();
        Optional<HandoffProgress> p = store.get(keys.handoffProgress(group), HandoffProgress.class).join()
                .map(Versioned::value).filter(x -> x.requestId().equals(r.requestId()));
        // Only the request shown here: one another operator put meanwhile is theirs to cancel.
        if (!store.deleteIfUnchanged(keys.handoff(group), pending.get().entry().modRevision()).join()) {
            err().println("fenceline handoff: the request " + r.requestId() + " of group " + group
                    + " changed or ended while cancelling it; nothing cancelled (run `fenceline writer` to see it)");
            return ExitCodes.REFUSED;
        }
        audit(session).record("operator-handoff-cancel", r.targetCluster(), "request", r.requestId(),
                "phase", p.map(x -> x.phase().name()).orElse("none"), "reason", reason == null ? "(none given)" : reason);
        String effect = p.isEmpty() ? "no writer had started it"
                : switch (p.get().phase()) {
                    case PAUSED, CAUGHT_UP -> "the writer " + p.get().from() + " aborts and writes again";
                    case RELEASED -> "the writer key was already released: whichever cluster the failover rules allow"
                            + " takes it";
                    case COMPLETED, ABORTED -> "it had already ended (" + p.get().phase().name() + ")";
                };
        out().println("withdrew " + describe(r) + ": " + effect);
        return ExitCodes.OK;
    }

    static String describe(HandoffRequest r) {
        return "handoff " + r.requestId() + " to " + r.targetCluster() + " (requested by " + r.requestedBy() + " at "
                + r.at() + ", timeout " + r.timeoutMillis() + " ms)";
    }

    /** An LSN as PostgreSQL prints it ({@code 0/3000060}). */
    static String lsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xffffffffL).toUpperCase();
    }
}
