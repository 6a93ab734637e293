package io.fenceline.proxy.authority;

import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.PutResult;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.records.HandoffProgress;
import io.fenceline.config.records.HandoffProgress.Phase;
import io.fenceline.config.records.HandoffRequest;
import io.fenceline.config.records.RecordCodecException;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.WalPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A planned move of a group's writer to another cluster, as seen by one proxy: the old writer's side and
 * the target's side of the same state machine, driven by two keys — the operator's {@link HandoffRequest}
 * at {@code …/groups/{group}/handoff} and the shared {@link HandoffProgress} at
 * {@code …/groups/{group}/handoff-progress}.
 *
 * <pre>
 *  old writer                                   target
 *  sees request ─ audit handoff.started
 *  gate → Hold; database drained, read-only
 *  L = pg_current_wal_insert_lsn(), flushed
 *    (see PausePosition) ── PAUSED(L) ──▶  polls its applied position of the writer's WAL
 *                            ◀── CAUGHT_UP ──  once applied ≥ L   (audit handoff.caught-up)
 *  CAS RELEASED; gate → 25006 (held writes
 *  get 25006); resign key; revoke lease   ──▶  key free: campaigns (eligible), wins, confirms,
 *                                              COMPLETED; deletes the request (audit handoff.completed)
 *  timeout before RELEASED: ABORTED, request deleted, gate and database writable again (handoff.aborted)
 * </pre>
 *
 * Lease or key lost during the pause: the handoff is abandoned (ABORTED) and the authority fences as for any
 * loss — the pause itself fences nothing but new writes, and the target may take the key once the lease expired.
 * The database is fenced during the pause so that nothing written after {@code L} (not even by clients
 * that bypass the proxy) can be left behind. Safety never depends on this machine: only the writer key,
 * bound to one lease at a time, decides who writes; the handoff only chooses when the key is given up and
 * who may campaign for it. Everything here runs on the authority's thread; database reads run on its
 * database thread.
 */
final class Handoff {

    private static final Logger LOG = LoggerFactory.getLogger(Handoff.class);
    private static final long POLL_MILLIS = 50;
    /** Time between pausing the gate and fencing the database: a forwarded write reaches the database first. */
    private static final long FORWARD_GRACE_MILLIS = 50;
    /**
     * How long past its timeout a request may stay pending before any proxy withdraws it: the old writer's own
     * timer ends its requests at the timeout, so one still there later was left by a writer that is gone.
     */
    static final long EXPIRY_MARGIN_MILLIS = 5_000;

    private enum Role { NONE, PAUSING, RELEASED, TARGET }

    private record Stored<T>(T value, long modRevision) {}

    private final WriterAuthority.HandoffContext ctx;
    private final String group;
    private final String me;
    private final String requestKey;
    private final String progressKey;
    private final Set<String> finished = new HashSet<>();

    private Stored<HandoffRequest> request;
    private Stored<HandoffProgress> progress;
    private Role role = Role.NONE;
    private HandoffRequest current;
    /** The mod revision of {@link #current}'s request key: only that request is ever deleted by this proxy. */
    private long currentRevision;
    private long pausedAtNanos;
    private ScheduledFuture<?> timeout;
    private ScheduledFuture<?> poll;
    private String polling;
    private String sighted;
    private ScheduledFuture<?> expiry;

    Handoff(WriterAuthority.HandoffContext ctx) {
        this.ctx = ctx;
        this.group = ctx.settings().group();
        this.me = ctx.settings().cluster();
        this.requestKey = ctx.keys().handoff(group);
        this.progressKey = ctx.keys().handoffProgress(group);
    }

    // ---- what the authority asks ----

    /** While this proxy, as old writer, pauses writes for a handoff: why. */
    Optional<String> pauseReason() {
        return role == Role.PAUSING ? Optional.of("handoff of group " + group + " to cluster "
                + current.targetCluster() + " (request " + current.requestId() + ")") : Optional.empty();
    }

    /** After this proxy released the key to the target: the answer for writes (and for held writes). */
    Optional<Decision.Deny> handedOffDenial() {
        return role == Role.RELEASED ? Optional.of(WriteGate.readOnly("cluster " + me + " handed the writer of group "
                + group + " over to cluster " + current.targetCluster(), "reconnect to the new writer cluster "
                + current.targetCluster())) : Optional.empty();
    }

    /** Campaign eligibility while a handoff is pending (empty: no handoff, the usual rules apply). */
    Optional<Boolean> eligibility() {
        HandoffRequest r = request == null ? null : request.value();
        if (r == null || finished.contains(r.requestId())) {
            return Optional.empty();
        }
        if (!r.targetCluster().equals(me)) {
            return Optional.of(false);
        }
        HandoffProgress p = progressOf(r);
        if (p == null) {
            // No writer answered (yet): the operator's request doubles as a manual failover, within the bound.
            WalPosition last = ctx.lastWal();
            return Optional.of(last == null || last.cluster().equals(me) || ctx.lagWithinBound(last));
        }
        return Optional.of(p.phase() == Phase.CAUGHT_UP || p.phase() == Phase.RELEASED);
    }

    /** The authority confirmed this proxy as writer: a handoff targeting it is complete. */
    void onConfirmedWriter() {
        complete("no writer answered: manual failover");
    }

    /** Marks the pending request targeting this confirmed writer COMPLETED; {@code note} when no writer paused. */
    private void complete(String note) {
        HandoffRequest r = request == null ? null : request.value();
        if (r == null || !r.targetCluster().equals(me) || finished.contains(r.requestId())) {
            return;
        }
        HandoffProgress p = progressOf(r);
        HandoffProgress done = p != null ? p.next(Phase.COMPLETED, p.appliedLsn(), "", Instant.now())
                : new HandoffProgress(r.requestId(), ctx.lastWal() == null ? me : ctx.lastWal().cluster(), me,
                Phase.COMPLETED, 0, 0, note, Instant.now());
        long revision = request.modRevision();
        finished.add(r.requestId());
        stopPolling();
        role = Role.NONE;
        // A request the operator put since (to move the writer on again) must survive: delete only this one.
        ctx.etcd().store().put(progressKey, done)
                .thenCompose(x -> ctx.etcd().store().deleteIfUnchanged(requestKey, revision))
                .whenComplete((x, e) -> {
                    if (e != null) {
                        LOG.warn("group {}: handoff {} completed but its keys were not updated: {}", group,
                                r.requestId(), e.getMessage());
                    }
                });
        LOG.warn("group {}: handoff {} completed: cluster {} is the writer", group, r.requestId(), me);
        ctx.audit("handoff.completed", Map.of("request", r.requestId(), "from", done.from(), "target", me));
    }

    // ---- watch input ----

    void onSnapshot(List<StoredEntry> entries) {
        request = null;
        progress = null;
        for (StoredEntry e : entries) {
            take(e);
        }
        step();
    }

    void onEvents(List<KeyEvent> events) {
        for (KeyEvent e : events) {
            if (e.type() == KeyEvent.Type.DELETE) {
                if (e.key().equals(requestKey)) {
                    request = null;
                } else if (e.key().equals(progressKey)) {
                    progress = null;
                }
            } else {
                take(e.entry());
            }
        }
        step();
    }

    private void take(StoredEntry e) {
        try {
            if (e.key().equals(requestKey)) {
                request = new Stored<>(Records.fromJson(e.key(), e.value(), HandoffRequest.class), e.modRevision());
            } else if (e.key().equals(progressKey)) {
                progress = new Stored<>(Records.fromJson(e.key(), e.value(), HandoffProgress.class), e.modRevision());
            }
        } catch (RecordCodecException bad) {
            LOG.error("group {}: ignoring an unreadable handoff key: {}", group, bad.getMessage());
            if (e.key().equals(requestKey)) {
                request = null;
            }
        }
    }

    private HandoffProgress progressOf(HandoffRequest r) {
        HandoffProgress p = progress == null ? null : progress.value();
        return p != null && p.requestId().equals(r.requestId()) ? p : null;
    }

    // ---- the state machine ----

    private void step() {
        HandoffRequest r = request == null ? null : request.value();
        if (r == null) {
            if (role == Role.PAUSING) {
                abort("the operator withdrew the request");
            }
            stopPolling();
            role = Role.NONE;
            ctx.reconcile("no handoff pending");
            ctx.refreshEligibility();
            return;
        }
        watchExpiry(r);
        if (role == Role.PAUSING && !r.requestId().equals(current.requestId())) {
            // The operator replaced the request this proxy pauses for: its target no longer campaigns, so it could
            // only time out with writes paused. It ends now, and the new request is taken below.
            abort("superseded by request " + r.requestId() + " to cluster " + r.targetCluster());
        }
        if (role == Role.TARGET && !r.targetCluster().equals(me)) {
            stopPolling();
            role = Role.NONE;
        }
        HandoffProgress p = progressOf(r);
        if (finished.contains(r.requestId()) || p != null && (p.phase() == Phase.COMPLETED
                || p.phase() == Phase.ABORTED)) {
            if (role == Role.PAUSING) {
                role = Role.NONE;
                cancel(timeout);
                ctx.reconcile("handoff " + r.requestId() + " ended");
            }
            stopPolling();
            ctx.refreshEligibility();
            return;
        }
        if (r.targetCluster().equals(me) && ctx.confirmed().isPresent()) {
            // Asked to move the writer to where it already is: done (else it would wait out its expiry, with every
            // other cluster kept from campaigning meanwhile).
            complete("the target is already the writer");
        } else if (r.targetCluster().equals(me)) {
            role = Role.TARGET;
            if (p != null && p.phase() == Phase.PAUSED) {
                startPolling(p);
            }
        } else if (role == Role.NONE && p == null && ctx.confirmed().isPresent()) {
            begin(r);
        } else if (role == Role.PAUSING && r.requestId().equals(current.requestId()) && p != null
                && p.phase() == Phase.CAUGHT_UP && p.appliedLsn() >= p.pauseLsn()) {
            release(p, progress.modRevision());
        }
        ctx.refreshEligibility();
    }

    /** From the first sighting of a request here, its timeout plus {@link #EXPIRY_MARGIN_MILLIS}. */
    private void watchExpiry(HandoffRequest r) {
        if (r.requestId().equals(sighted)) {
            return;
        }
        sighted = r.requestId();
        cancel(expiry);
        expiry = ctx.exec().schedule(() -> ctx.submit(() -> expire(r.requestId())),
                r.timeoutMillis() + EXPIRY_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * A request nobody ended within its timeout (its old writer was killed, or lost its key to a failover while
     * the request waited): every proxy stops honouring it, so that the usual failover rules choose the writer
     * again, and one of them deletes it. The old writer's own requests are left to its timer.
     */
    private void expire(String requestId) {
        if (request == null || !request.value().requestId().equals(requestId) || finished.contains(requestId)
                || role == Role.PAUSING || role == Role.RELEASED) {
            return;
        }
        HandoffRequest r = request.value();
        long revision = request.modRevision();
        finished.add(requestId);
        stopPolling();
        role = Role.NONE;
        LOG.error("group {}: handoff {} to {} is still pending {} ms after its timeout; no longer honouring it (its "
                + "old writer did not end it and may be gone), so the usual failover rules apply", group, requestId,
                r.targetCluster(), EXPIRY_MARGIN_MILLIS);
        ctx.etcd().store().deleteIfUnchanged(requestKey, revision).whenComplete((deleted, e) -> {
            if (Boolean.TRUE.equals(deleted)) {
                ctx.submit(() -> ctx.audit("handoff.expired", Map.of("request", requestId,
                        "target", r.targetCluster(), "by", me)));
            }
        });
        ctx.refreshEligibility();
    }

    /** Old writer: pause, fence the database, read the WAL position, publish it. */
    private void begin(HandoffRequest r) {
        if (!ctx.settings().isCandidate(r.targetCluster()) || ctx.replication() == null) {
            String why = ctx.replication() == null ? "this proxy has no replication positions"
                    : "cluster " + r.targetCluster() + " is not one of the candidates " + ctx.settings().candidates();
            LOG.error("group {}: refusing handoff {} to {}: {}", group, r.requestId(), r.targetCluster(), why);
            finished.add(r.requestId());
            ctx.audit("handoff.rejected", Map.of("request", r.requestId(), "target", r.targetCluster(), "why", why));
            ctx.etcd().store().deleteIfUnchanged(requestKey, request.modRevision());
            return;
        }
        role = Role.PAUSING;
        current = r;
        currentRevision = request.modRevision();
        pausedAtNanos = ctx.etcd().clock().nanoTime();
        LOG.warn("group {}: handoff {} to {} requested by {}: pausing writes (timeout {} ms)", group, r.requestId(),
                r.targetCluster(), r.requestedBy(), r.timeoutMillis());
        ctx.audit("handoff.started", Map.of("request", r.requestId(), "target", r.targetCluster(),
                "requestedBy", r.requestedBy(), "timeoutMillis", Long.toString(r.timeoutMillis())));
        ctx.reconcile("handoff started");
        timeout = ctx.exec().schedule(() -> ctx.submit(() -> onTimeout(r.requestId())), r.timeoutMillis(),
                TimeUnit.MILLISECONDS);
        // Writes already running finish (they commit before the position is read); new ones wait at the gate.
        // The drain starts a moment after the gate paused, so a write the gate allowed just before the pause
        // reaches the database before the fence does and is drained instead of refused. It starts on this
        // thread and only if the handoff still pauses: a drain begun after an abort made the database writable
        // again would leave it fenced under an open gate.
        ctx.exec().schedule(() -> ctx.submit(() -> {
            if (role == Role.PAUSING && current.requestId().equals(r.requestId())) {
                drainAndPublish(r);
            }
        }), FORWARD_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Old writer, paused: drain and fence the database, read and publish its position, then PAUSED. */
    private void drainAndPublish(HandoffRequest r) {
        String reason = "handoff " + r.requestId() + ": no write may follow the published position";
        java.time.Duration half = java.time.Duration.ofMillis(Math.max(1, r.timeoutMillis() / 2));
        long epoch = ctx.confirmed().map(WriterAuthority.Confirmed::epoch).orElse(0L);
        ctx.localFence().drain(reason, half)
                .thenApplyAsync(x -> new WalPosition(me, epoch, PausePosition.read(ctx.replication(), ctx.sessions(),
                        java.time.Duration.ofMillis(Math.max(1, r.timeoutMillis() / 4)), group), Instant.now(),
                        ctx.replication().logicalSlots()), ctx.db())
                // The position (with this database's slots) first, so the target measures the right subscription.
                .thenCompose(ctx::publishPosition)
                .thenApply(WalPosition::lsn)
                .whenComplete((lsn, e) -> ctx.submit(() -> {
                    if (role != Role.PAUSING || !current.requestId().equals(r.requestId())) {
                        return;
                    }
                    if (e != null) {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                                ? e.getCause() : e;
                        abort("could not fence the database and read its WAL position: " + cause.getMessage());
                        return;
                    }
                    HandoffProgress paused = new HandoffProgress(r.requestId(), me, r.targetCluster(), Phase.PAUSED,
                            lsn, 0, "", Instant.now());
                    ctx.etcd().store().put(progressKey, paused).whenComplete((rev, pe) -> {
                        if (pe != null) {
                            ctx.submit(() -> abort("could not publish the pause position: " + pe.getMessage()));
                        }
                    });
                    ctx.audit("handoff.paused", Map.of("request", r.requestId(), "pauseLsn", Long.toString(lsn)));
                }));
    }

    /** Old writer: the target caught up; close the gate for good and give the key and the lease up. */
    private void release(HandoffProgress p, long modRevision) {
        HandoffProgress released = p.next(Phase.RELEASED, p.appliedLsn(), "", Instant.now());
        ctx.etcd().store().compareAndSet(progressKey, released, modRevision).whenComplete((res, e) -> ctx.submit(() -> {
            if (role != Role.PAUSING || !current.requestId().equals(p.requestId())) {
                return;
            }
            if (e != null || !(res instanceof PutResult.Written)) {
                LOG.warn("group {}: handoff {}: could not mark RELEASED ({}); waiting for the next change", group,
                        p.requestId(), e != null ? e.getMessage() : res);
                return;
            }
            role = Role.RELEASED;
            long pausedMillis = (ctx.etcd().clock().nanoTime() - pausedAtNanos) / 1_000_000;
            LOG.warn("group {}: handoff {}: target {} applied {} >= {}; releasing the writer key after {} ms paused",
                    group, p.requestId(), p.target(), p.appliedLsn(), p.pauseLsn(), pausedMillis);
            ctx.audit("handoff.released", Map.of("request", p.requestId(), "target", p.target(),
                    "pauseLsn", Long.toString(p.pauseLsn()), "appliedLsn", Long.toString(p.appliedLsn()),
                    "pausedMillis", Long.toString(pausedMillis)));
            ctx.reconcile("handed off");
            ctx.release();
        }));
    }

    private void onTimeout(String requestId) {
        if (current == null || !current.requestId().equals(requestId)) {
            return;
        }
        if (role == Role.PAUSING) {
            abort("target " + current.targetCluster() + " did not catch up within " + current.timeoutMillis() + " ms");
        } else if (role == Role.RELEASED && request != null && request.value().requestId().equals(requestId)) {
            LOG.error("group {}: handoff {}: target {} did not take the writer key within {} ms; withdrawing the "
                    + "request so that the usual failover rules apply", group, requestId, current.targetCluster(),
                    current.timeoutMillis());
            finished.add(requestId);
            role = Role.NONE;
            ctx.audit("handoff.expired", Map.of("request", requestId, "target", current.targetCluster()));
            ctx.etcd().store().deleteIfUnchanged(requestKey, request.modRevision());
            ctx.refreshEligibility();
        }
    }

    /** Old writer: the authority was lost while pausing; give the handoff up (the authority then fences). */
    void abandon(String why) {
        if (role == Role.PAUSING) {
            if (ctx.replication() != null) {
                ctx.db().execute(() -> PausePosition.sweepNow(ctx.replication(), ctx.sessions(), group));
            }
            abort(why);
        }
    }

    /** Old writer, before release: give up, tell everyone, and write again (if still the writer). */
    private void abort(String why) {
        HandoffRequest r = current;
        role = Role.NONE;
        cancel(timeout);
        finished.add(r.requestId());
        LOG.error("group {}: handoff {} to {} aborted: {}; resuming writes here", group, r.requestId(),
                r.targetCluster(), why);
        HandoffProgress p = progressOf(r);
        HandoffProgress aborted = p != null ? p.next(Phase.ABORTED, p.appliedLsn(), why, Instant.now())
                : new HandoffProgress(r.requestId(), me, r.targetCluster(), Phase.ABORTED, 0, 0, why, Instant.now());
        long revision = currentRevision;
        ctx.etcd().store().put(progressKey, aborted)
                .thenCompose(x -> ctx.etcd().store().deleteIfUnchanged(requestKey, revision))
                .whenComplete((x, e) -> {
                    if (e != null) {
                        LOG.warn("group {}: handoff {} aborted but its keys were not updated: {}", group,
                                r.requestId(), e.getMessage());
                    }
                });
        ctx.audit("handoff.aborted", Map.of("request", r.requestId(), "target", r.targetCluster(), "why", why));
        ctx.reconcile("handoff aborted");
    }

    /** Target: report CAUGHT_UP once everything the writer wrote before its pause is applied here. */
    private void startPolling(HandoffProgress p) {
        if (p.requestId().equals(polling) || ctx.replication() == null) {
            return;
        }
        stopPolling();
        polling = p.requestId();
        poll = ctx.exec().scheduleWithFixedDelay(() -> ctx.db().execute(() -> {
            // The old writer published its position (and its slots) before PAUSED: measure against its WAL only.
            WalPosition upstream = ctx.lastWal();
            if (upstream == null || !upstream.cluster().equals(p.from())) {
                return;
            }
            OptionalLong a;
            try {
                a = ctx.replication().appliedUpstreamLsn(upstream);
            } catch (RuntimeException e) {
                LOG.warn("group {}: handoff {}: applied position unavailable: {}", group, p.requestId(), e.getMessage());
                return;
            }
            ctx.setApplied(new Eligibility.Applied(upstream.cluster(), upstream.epoch(), a));
            if (a.isPresent() && a.getAsLong() >= p.pauseLsn()) {
                ctx.submit(() -> caughtUp(p.requestId(), a.getAsLong()));
            }
        }), 0, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void caughtUp(String requestId, long appliedLsn) {
        if (!requestId.equals(polling) || progress == null || !progress.value().requestId().equals(requestId)
                || progress.value().phase() != Phase.PAUSED) {
            return;
        }
        stopPolling();
        HandoffProgress p = progress.value();
        ctx.etcd().store().compareAndSet(progressKey, p.next(Phase.CAUGHT_UP, appliedLsn, "", Instant.now()),
                progress.modRevision()).whenComplete((res, e) -> {
                    if (e != null || !(res instanceof PutResult.Written)) {
                        LOG.warn("group {}: handoff {}: could not report CAUGHT_UP: {}", group, requestId,
                                e != null ? e.getMessage() : res);
                    }
                });
        LOG.info("group {}: handoff {}: applied {} >= pause position {}", group, requestId, appliedLsn, p.pauseLsn());
        ctx.audit("handoff.caught-up", Map.of("request", requestId, "pauseLsn", Long.toString(p.pauseLsn()),
                "appliedLsn", Long.toString(appliedLsn)));
    }

    private void stopPolling() {
        cancel(poll);
        poll = null;
        polling = null;
    }

    void close() {
        cancel(timeout);
        cancel(expiry);
        stopPolling();
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
