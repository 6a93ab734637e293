package io.fenceline.proxy.authority;

import io.fenceline.config.coordination.Campaign;
import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.LeaseKeeper;
import io.fenceline.config.coordination.LeaseState;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.WalPosition;
import io.fenceline.config.records.WriterRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Write authority of one proxy in one group: campaigns for {@code …/groups/{group}/writer} as the
 * {@link GroupSettings} allow, follows the operator's mode ({@code …/clusters/{cluster}/mode}), drives the
 * {@link WriteGate}, runs the fencing sequence, takes part in planned {@link Handoff}s and publishes the
 * proxy's status and, as writer, the WAL position candidates compare their lag with.
 *
 * <h2>Rules it keeps</h2>
 * <ul>
 *   <li>Operator mode wins over the lease: {@code read-only} closes the gate and fences, {@code paused} holds
 *       writes, {@code writable} (or no key) lets the lease decide. An unreadable mode counts as read-only.</li>
 *   <li>After winning the key (at start or after regaining a lease) it reads the mode key and the writer key
 *       again, and opens the gate only if the key still carries the won epoch and lease, and only after the
 *       database was made writable again. After a watch resync it re-reads the same way.</li>
 *   <li>Fencing, when the deadline passes, the key is lost or the operator sets read-only, runs in the order
 *       of the design: (1) the gate refuses new writes (the gate also refuses by itself at the deadline,
 *       before anyone is told); (2) {@link SessionFence#rollbackWritingCommits}; (3) {@link LocalFence#readOnly}
 *       begins; (4) {@link SessionFence#cancelRunningWrites} once the database refuses the writes of statements
 *       that start ({@link LocalFence#readOnly(String, CompletableFuture)}), at most {@link #CANCEL_WAIT_MILLIS}
 *       after (2) ({@link #OPERATOR_CANCEL_WAIT_MILLIS} while the key is still ours): a statement the client
 *       pipelined behind a cancelled one starts the moment the cancel lands.
 *       Regaining authority reverses them: database writable, sessions resumed, gate opened.</li>
 *   <li>Eligibility to campaign (evaluated off the campaign's thread, read as a volatile flag): see {@link
 *       Eligibility}. A won key is confirmed only if the published WAL position, read again after winning, still
 *       lets this proxy campaign (else it resigns the key), and a new writer publishes its position before its
 *       gate opens: so the "last writer" a position names is the last one that could have written.</li>
 *   <li>A handoff's pause holds writes without fencing; once the authority is lost during the pause, the
 *       handoff is abandoned and the full fencing sequence runs as for any loss.</li>
 * </ul>
 * The periodic reading and publishing of positions lives in {@link Positions}, the rules of eligibility in
 * {@link Eligibility}, a planned handoff in {@link Handoff}.
 * All state changes run on one thread; database queries run on another so a slow database never delays a
 * mode change.
 */
public final class WriterAuthority implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WriterAuthority.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final long CLOSE_FENCE_WAIT_SECONDS = 10;
    /**
     * After a loss of the key or the lease, the longest the cancels of running writes wait for the database to
     * refuse new statements' writes: well inside the lease margin, as a write still running when etcd could give
     * the lease to another cluster must have been cancelled. (The table triggers refuse statements that start
     * after the deadline by themselves.)
     */
    static final long CANCEL_WAIT_MILLIS = 100;
    /**
     * The same wait under the operator's {@code read-only}, while the key is still this cluster's: no other cluster
     * can write yet, so a running write may finish a moment longer, and the cancels wait until a write pipelined
     * behind it would be refused (the setting verified, usually tens of milliseconds).
     */
    static final long OPERATOR_CANCEL_WAIT_MILLIS = 5_000;

    /** What the data path reports for the status record. */
    public interface Sessions {
        /** Reports nothing. */
        Sessions NONE = new Sessions() {
        };

        /** Open client connections. */
        default int connections() {
            return 0;
        }

        /** Schema version → connections declaring it. */
        default Map<Integer, Integer> versionsInUse() {
            return Map.of();
        }

        /** Statements relayed since the proxy started. */
        default long statements() {
            return 0;
        }

        /** ErrorResponses sent to clients since the proxy started. */
        default long errors() {
            return 0;
        }
    }

    /** The writer key as this proxy confirmed it. */
    record Confirmed(long epoch, long leaseId) {}

    private final GroupSettings settings;
    private final Coordinator etcd;
    private final EtcdKeys keys;
    private final LeaseKeeper keeper;
    private final LocalFence localFence;
    private final SessionFence sessions;
    private final ReplicationLag replication;
    private final Sessions sessionCounts;
    private final WriteGate gate;
    private final ScheduledThreadPoolExecutor exec;
    private final ExecutorService db;
    private final Handoff handoff;
    private final Campaign campaign;
    private final String actor;

    // Touched only on exec's thread.
    private Mode mode;
    private long modeRevision;
    /** Written on the authority's thread; volatile so that the metrics' scrape can read it. */
    private volatile Confirmed confirmed;
    /** The epoch whose first WAL position this proxy published (the gate opens only after that). */
    private long publishedEpoch;
    private boolean sessionsFenced = true;
    /**
     * Completes when the cancels of the current fencing go (see {@link #fenceSessionsAndDatabase}); cancelled when
     * the sessions resume first, so that a late cancel never reaches the writes of a new tenure.
     */
    private CompletableFuture<Void> cancels;
    private boolean reconfirming;
    private long generation;
    private ResumableWatch modeWatch;
    private ResumableWatch handoffWatch;
    private boolean started;
    private boolean closed;

    private volatile boolean eligible;
    /** The reason of the last eligibility answer, so that a change of reason is logged once. */
    private String eligibilityWhy = "";
    private volatile Mode currentMode;
    private final Positions positions;

    /**
     * @param replication the local database's replication positions, or null when unknown (never eligible
     *                    for automatic failover, cannot be a handoff target, publishes no WAL position)
     */
    public WriterAuthority(GroupSettings settings, Coordinator etcd, LocalFence localFence, SessionFence sessions,
                           ReplicationLag replication, Sessions sessionCounts) {
        this.settings = settings;
        this.etcd = etcd;
        this.keys = etcd.keys();
        this.keeper = etcd.leaseKeeper();
        this.localFence = localFence;
        this.sessions = sessions;
        this.replication = replication;
        this.sessionCounts = sessionCounts;
        this.actor = "proxy " + settings.cluster() + "/" + settings.proxyId();
        this.gate = new WriteGate(settings.group(), settings.cluster(), etcd.clock(), keeper::state,
                settings.pauseBound().toNanos());
        this.exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "fenceline-authority-" + settings.group() + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.exec.setRemoveOnCancelPolicy(true);
        this.db = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fenceline-authority-db-" + settings.group() + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.campaign = etcd.campaign(keys.writer(settings.group()),
                new WriterRecord(settings.cluster(), settings.proxyId(), Instant.now()));
        this.positions = new Positions(settings, etcd, replication, db, this::submit);
        this.handoff = new Handoff(new HandoffContext());
    }

    /** The gate the data path asks for each write of this group. */
    public WriteGate gate() {
        return gate;
    }

    /** The settings this authority runs with. */
    public GroupSettings settings() {
        return settings;
    }

    /** The operator's mode as last applied; empty until the mode key was read. */
    public Optional<Mode> mode() {
        return Optional.ofNullable(currentMode);
    }

    /**
     * The epoch of the writer key this cluster holds, as confirmed by this proxy (it may not be allowed to write:
     * read-only mode, a handoff); empty while it does not hold the key.
     */
    public OptionalLong writerEpoch() {
        Confirmed c = confirmed;
        return c == null ? OptionalLong.empty() : OptionalLong.of(c.epoch());
    }

    /**
     * Bytes of the last writer's published WAL position this cluster has not applied yet (0 on the writer); empty
     * when unknown (no subscription configured or readable, or no writer has published a position).
     */
    public OptionalLong replicationLagBytes() {
        return positions.lagBytes();
    }

    /** Whether this proxy would campaign now (for tests and status). */
    public boolean eligible() {
        return eligible;
    }

    /** Starts: fences the local database until authority is confirmed, watches, campaigns, publishes. */
    public void start() {
        submit(() -> {
            if (started || closed) {
                return;
            }
            started = true;
            LOG.info("write authority for group {} starting on cluster {} (proxy {}, preferred {}, candidates {}, "
                            + "failover {}, max lag {} bytes)", settings.group(), settings.cluster(), settings.proxyId(),
                    settings.preferred(), settings.candidates(), settings.failover().text(), settings.maxLagBytes());
            requestReadOnly("starting: not the confirmed writer yet");
            keeper.addListener((from, to) -> submit(() -> onLease(to)));
            gate.addListener((from, to, at) -> submit(this::publishStatus));
            modeWatch = etcd.watch(keys.mode(settings.group(), settings.cluster()), false, 0, new WatchListener() {
                @Override
                public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                    submit(() -> onModeSnapshot(why, entries, revision));
                }

                @Override
                public void onEvents(List<KeyEvent> events) {
                    submit(() -> onModeEvents(events));
                }
            });
            handoffWatch = etcd.watch(keys.handoff(settings.group()), true, 0, new WatchListener() {
                @Override
                public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                    submit(() -> handoff.onSnapshot(entries));
                }

                @Override
                public void onEvents(List<KeyEvent> events) {
                    submit(() -> handoff.onEvents(events));
                }
            });
            startCampaign();
            exec.scheduleWithFixedDelay(this::tick, 0, settings.statusInterval().toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void startCampaign() {
        campaign.start(new Campaign.Listener() {
            @Override
            public void onResult(Campaign.Result result) {
                if (result instanceof Campaign.Result.Won won) {
                    submit(() -> confirm(won, 0));
                }
            }

            @Override
            public void onVacated(long epoch, String why) {
                submit(() -> onVacatedKey(epoch, why));
            }
        }, () -> eligible);
    }

    // ---- mode ----

    private void onModeSnapshot(WatchListener.Snapshot why, List<StoredEntry> entries, long revision) {
        applyMode(entries.isEmpty() ? null : entries.get(0), revision);
        if (why == WatchListener.Snapshot.RESYNC_AFTER_COMPACTION && confirmed != null) {
            // Anything derived from missed events is stale: hold writes (no fencing: nothing says we lost
            // anything) while the writer key is read again, and trust it only once confirmed.
            reconfirming = true;
            reconcile("mode watch resynchronised");
            confirm(new Campaign.Result.Won(confirmed.epoch(), confirmed.leaseId()), 0);
            return;
        }
        reconcile("mode read");
    }

    private void onModeEvents(List<KeyEvent> events) {
        KeyEvent last = events.get(events.size() - 1);
        applyMode(last.type() == KeyEvent.Type.DELETE ? null : last.entry(), last.revision());
        reconcile("mode changed");
    }

    private void applyMode(StoredEntry entry, long revision) {
        if (revision < modeRevision) {
            return;
        }
        modeRevision = revision;
        Mode before = mode;
        if (entry == null || entry.value().isBlank()) {
            mode = Mode.WRITABLE;
            currentMode = mode;
        } else {
            Optional<Mode> parsed = Mode.tryParse(entry.value());
            if (parsed.isEmpty()) {
                LOG.error("etcd key {} holds '{}', which is not a mode (writable, read-only, paused): enforcing "
                        + "read-only until it is fixed", entry.key(), entry.value());
            }
            mode = parsed.orElse(Mode.READ_ONLY);
            currentMode = mode;
        }
        if (before != mode) {
            LOG.info("group {} cluster {}: mode {} -> {} (revision {})", settings.group(), settings.cluster(),
                    before == null ? "unknown" : before.text(), mode.text(), revision);
            audit("mode.applied", Map.of("mode", mode.text(), "previous", before == null ? "unknown" : before.text(),
                    "revision", Long.toString(revision)));
        }
    }

    // ---- writer key ----

    /** Reads mode and writer key again; only then is a won key this proxy's authority. */
    private void confirm(Campaign.Result.Won won, int attempt) {
        if (closed) {
            return;
        }
        CompletableFuture<Optional<StoredEntry>> modeRead = etcd.store().getEntry(keys.mode(settings.group(),
                settings.cluster()));
        CompletableFuture<Optional<StoredEntry>> writerRead = etcd.store().getEntry(keys.writer(settings.group()));
        // Read after winning, so it is newer than any position a previous writer published before it wrote.
        CompletableFuture<Optional<WalPosition>> walRead = positions.readNow();
        CompletableFuture.allOf(modeRead, writerRead, walRead).whenComplete((ignored, error) -> submit(() -> {
            Optional<Campaign.Result.Won> current = campaign.won();
            if (current.isEmpty() || !current.get().equals(won)) {
                LOG.info("group {}: epoch {} no longer won while confirming it", settings.group(), won.epoch());
                notConfirmed(won, "the campaign no longer holds it");
                return;
            }
            if (error != null) {
                LOG.warn("group {}: could not re-read mode and writer key to confirm epoch {} (attempt {}): {}",
                        settings.group(), won.epoch(), attempt + 1, error.getMessage());
                exec.schedule(() -> confirm(won, attempt + 1), 100, TimeUnit.MILLISECONDS);
                return;
            }
            Optional<StoredEntry> writer = writerRead.join();
            if (writer.isEmpty() || writer.get().createRevision() != won.epoch()
                    || writer.get().lease() != won.leaseId()) {
                LOG.warn("group {}: writer key does not carry epoch {} with lease {} ({}); not the writer",
                        settings.group(), won.epoch(), won.leaseId(), writer);
                notConfirmed(won, "the writer key no longer carries epoch " + won.epoch());
                return;
            }
            reconfirming = false;
            Optional<StoredEntry> m = modeRead.join();
            applyMode(m.orElse(null), m.map(StoredEntry::modRevision).orElse(modeRevision));
            boolean fresh = confirmed == null || confirmed.epoch() != won.epoch();
            if (fresh && !stillEligible(walRead.join().orElse(null))) {
                return;
            }
            confirmed = new Confirmed(won.epoch(), won.leaseId());
            if (fresh) {
                LOG.warn("group {}: cluster {} is the writer, epoch {} (lease {})", settings.group(), settings.cluster(),
                        won.epoch(), won.leaseId());
                audit("writer.acquired", Map.of("epoch", Long.toString(won.epoch()),
                        "lease", Long.toString(won.leaseId())));
            }
            handoff.onConfirmedWriter();
            reconcile("writer key confirmed");
        }));
    }

    /**
     * A key just won counts only if the position published last still lets this proxy campaign: the eligibility
     * it campaigned with may predate a writer that came and went within a status interval. If not, the key is
     * given back (the lease stays, for the status record) and the campaign goes on, ineligible.
     */
    private boolean stillEligible(WalPosition latest) {
        positions.setLast(latest);
        Eligibility e = computeEligible();
        if (e.eligible()) {
            return true;
        }
        LOG.warn("group {}: cluster {} won the writer key but is not eligible with the WAL position read since ({}):"
                + " resigning it", settings.group(), settings.cluster(), e.detail());
        audit("writer.resigned", Map.of("why", e.detail()));
        refreshEligibility();
        campaign.resign().whenComplete((deleted, error) -> submit(() -> {
            if (error != null) {
                LOG.warn("group {}: resigning the writer key failed ({}); it goes with the lease", settings.group(),
                        error.getMessage());
            }
            if (!closed) {
                startCampaign();
            }
        }));
        reconcile("won the writer key while not eligible");
        return false;
    }

    private void notConfirmed(Campaign.Result.Won won, String why) {
        reconfirming = false;
        if (confirmed != null && confirmed.epoch() == won.epoch()) {
            loseAuthority(why);
        } else {
            reconcile(why);
        }
    }

    private void onVacatedKey(long epoch, String why) {
        if (confirmed != null && confirmed.epoch() == epoch) {
            loseAuthority("writer key vacated: " + why);
        }
    }

    private void onLease(LeaseState to) {
        if (confirmed != null && !(to instanceof LeaseState.Held held && held.leaseId() == confirmed.leaseId())) {
            loseAuthority("lease " + confirmed.leaseId() + " no longer held: " + to);
        } else {
            reconcile("lease " + to.getClass().getSimpleName());
        }
        publishStatus();
    }

    private void loseAuthority(String why) {
        Confirmed c = confirmed;
        confirmed = null;
        reconfirming = false;
        LOG.warn("group {}: cluster {} is no longer the writer (epoch {}): {}", settings.group(), settings.cluster(),
                c.epoch(), why);
        audit("writer.lost", Map.of("epoch", Long.toString(c.epoch()), "why", why));
        reconcile(why);
    }

    // ---- the gate and the fencing sequence ----

    /** Sets the gate (and the fences) from mode, confirmed authority and handoff. */
    private void reconcile(String why) {
        if (closed) {
            return;
        }
        long gen = ++generation;
        String g = settings.group();
        String c = settings.cluster();
        if (mode == null) {
            fence(WriteGate.readOnly("cluster " + c + " has not read its mode for group " + g + " yet",
                    "retry shortly"), why);
            return;
        }
        Optional<String> handoffPause = handoff.pauseReason();
        if (handoffPause.isPresent()) {
            if (confirmed == null || !campaign.writable(etcd.clock().nanoTime())) {
                // Authority lost while draining: a write the drain still waits for must not commit once another
                // cluster may take the key. Abandoning the handoff reconciles again, into the fencing sequence.
                handoff.abandon("the writer lease or key was lost during the pause (" + why + ")");
                return;
            }
            // The handoff drains and fences the database itself (without cancelling writes under way).
            gate.pause(handoffPause.get());
            return;
        }
        Optional<Decision.Deny> handedOff = handoff.handedOffDenial();
        if (handedOff.isPresent()) {
            fence(handedOff.get(), why);
            return;
        }
        if (mode == Mode.READ_ONLY) {
            fence(WriteGate.readOnly("cluster " + c + " is read-only for group " + g + " (operator mode)",
                    "an operator set " + keys.mode(g, c) + " to read-only"), why, true);
            return;
        }
        if (reconfirming) {
            gate.pause("re-reading the writer key of group " + g + " after a watch resynchronisation");
            return;
        }
        boolean writer = confirmed != null && campaign.writable(etcd.clock().nanoTime());
        if (mode == Mode.PAUSED) {
            gate.pause("operator mode paused for cluster " + c + " of group " + g);
            if (!writer) {
                // Held writes will be refused when the pause ends; what already runs or waits to commit is
                // fenced now, exactly as if the gate had closed.
                fenceSessionsAndDatabase("cluster " + c + " is not the writer of group " + g + " (paused)",
                        "paused and not the writer", CANCEL_WAIT_MILLIS);
            }
            return;
        }
        if (!writer) {
            fence(WriteGate.readOnly("cluster " + c + " is not the writer of group " + g,
                    "writes go to the group's current writer cluster"), why);
            return;
        }
        if (gate.standing() instanceof WriteGate.Standing.Open o && o.epoch() == confirmed.epoch()
                && o.leaseId() == confirmed.leaseId()) {
            return;
        }
        Confirmed target = confirmed;
        localFence.writable("writer of group " + g + " with epoch " + target.epoch())
                .whenComplete((ok, error) -> submit(() -> {
                    if (error != null) {
                        LOG.warn("group {}: database not made writable for epoch {}: {}", g, target.epoch(),
                                error.getMessage());
                        return;
                    }
                    if (gen != generation || !target.equals(confirmed) || mode != Mode.WRITABLE
                            || !campaign.writable(etcd.clock().nanoTime())) {
                        return;
                    }
                    if (replication != null && publishedEpoch != target.epoch()) {
                        publishFirstPosition(target, gen);
                        return;
                    }
                    openGate(target);
                }));
    }

    /**
     * A new writer's first position, published before its gate opens: a candidate that wins the key after this
     * writer then sees that this cluster was the last writer, even if it lost the key within a status interval.
     * Retried (by reconciling again) until written or superseded.
     */
    private void publishFirstPosition(Confirmed target, long gen) {
        positions.publish(target.epoch()).whenComplete((p, error) -> submit(() -> {
            if (gen != generation || !target.equals(confirmed)) {
                return;
            }
            if (error != null) {
                exec.schedule(() -> submit(() -> reconcile("publishing the first WAL position of epoch "
                        + target.epoch() + " again")), 200, TimeUnit.MILLISECONDS);
                return;
            }
            publishedEpoch = target.epoch();
            if (mode == Mode.WRITABLE && campaign.writable(etcd.clock().nanoTime())) {
                openGate(target);
            }
        }));
    }

    private void openGate(Confirmed target) {
        if (sessionsFenced) {
            if (cancels != null) {
                cancels.cancel(false);
                cancels = null;
            }
            sessions.resume();
            sessionsFenced = false;
        }
        gate.open(target.epoch(), target.leaseId());
    }

    /** Steps 1–4 of the fencing sequence, in order; the future completes when the database is fenced. */
    private CompletableFuture<Void> fence(Decision.Deny deny, String why) {
        return fence(deny, why, false);
    }

    /** {@link #fence(Decision.Deny, String)}; {@code keyStillOurs} for the operator's read-only (see {@link WriteGate#close(Decision.Deny, boolean)}). */
    private CompletableFuture<Void> fence(Decision.Deny deny, String why, boolean keyStillOurs) {
        gate.close(deny, keyStillOurs);
        return fenceSessionsAndDatabase(deny.message(), deny.message() + " (" + why + ")",
                keyStillOurs ? OPERATOR_CANCEL_WAIT_MILLIS : CANCEL_WAIT_MILLIS);
    }

    /**
     * Steps 2–4: the sessions' commits (once per loss of authority), the database, and the cancels of running
     * writes once the database refuses new statements' writes (at most {@code cancelWaitMillis} later). Cancelling
     * first let a write the client had pipelined behind the cancelled statement start, and commit, before the
     * database fence landed (issue 14 finding 1).
     */
    private CompletableFuture<Void> fenceSessionsAndDatabase(String sessionReason, String databaseReason,
                                                             long cancelWaitMillis) {
        if (!sessionsFenced) {
            sessionsFenced = true;
            sessions.rollbackWritingCommits(sessionReason);
            cancels = new CompletableFuture<>();
            cancels.thenRun(() -> sessions.cancelRunningWrites(sessionReason));
        }
        CompletableFuture<Void> refusing = new CompletableFuture<>();
        CompletableFuture<Void> fenced = requestReadOnly(databaseReason, refusing);
        // Every fencing request may bring the cancels forward: a loss of the lease during the operator's
        // read-only shortens their wait to the lease's bound.
        CompletableFuture<Void> go = cancels;
        if (go != null && !go.isDone()) {
            refusing.thenRun(() -> go.complete(null));
            try {
                exec.schedule(() -> go.complete(null), cancelWaitMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                go.complete(null);
            }
        }
        return fenced;
    }

    private CompletableFuture<Void> requestReadOnly(String reason) {
        return requestReadOnly(reason, new CompletableFuture<>());
    }

    private CompletableFuture<Void> requestReadOnly(String reason, CompletableFuture<Void> refusing) {
        return localFence.readOnly(reason, refusing).whenComplete((ok, error) -> {
            if (error != null && !(error instanceof java.util.concurrent.CancellationException)
                    && !(error.getCause() instanceof java.util.concurrent.CancellationException)) {
                LOG.error("group {}: database fence ({}) did not complete: {}", settings.group(), reason,
                        error.getMessage());
            }
        });
    }

    // ---- periodic work: positions, eligibility, status ----

    private void tick() {
        if (closed) {
            return;
        }
        try {
            readWalThenPositions();
        } catch (RuntimeException e) {
            // Keep the periodic task alive whatever one round did.
            LOG.error("group {}: periodic status round failed", settings.group(), e);
        }
    }

    private void readWalThenPositions() {
        positions.read(() -> {
            Confirmed c = gate.allows(etcd.clock().nanoTime()) ? confirmed : null;
            if (replication == null) {
                refreshEligibility();
                publishStatus();
            } else if (c != null) {
                positions.publish(c.epoch()).whenComplete((p, e) -> submit(this::publishStatus));
            } else {
                positions.measure(() -> {
                    refreshEligibility();
                    publishStatus();
                });
            }
        });
    }

    /** Recomputes whether this proxy should campaign and nudges the campaign when it becomes eligible. */
    void refreshEligibility() {
        Eligibility e = computeEligible();
        boolean now = e.eligible();
        boolean changed = now != eligible;
        if (changed || !e.why().equals(eligibilityWhy)) {
            // Logged when the answer or its reason changes (not on every tick), so that an operator sees why a
            // candidate does not take over: its mode, a handoff, failover manual, or its replication lag.
            eligibilityWhy = e.why();
            LOG.info("group {} cluster {}: {} to campaign for the writer key: {}", settings.group(), settings.cluster(),
                    now ? "eligible" : "not eligible", e.detail());
        }
        if (changed) {
            eligible = now;
            if (now && confirmed == null) {
                // The campaign attempts by itself when the key disappears or a new lease is held; a change of
                // eligibility alone is not an event it sees.
                campaign.retry();
            }
        }
    }

    private Eligibility computeEligible() {
        return Eligibility.evaluate(settings, mode, handoff.eligibility(), positions.last(), positions.applied(),
                positions.freshness(), positions.reference());
    }

    private void publishStatus() {
        if (closed || !(keeper.state() instanceof LeaseState.Held held)) {
            return;
        }
        long now = etcd.clock().nanoTime();
        boolean writer = gate.allows(now);
        Confirmed c = confirmed;
        OptionalLong lag = positions.lagBytes();
        ProxyStatus status;
        try {
            status = new ProxyStatus(held.leaseId(), mode == null ? Mode.READ_ONLY : mode, writer,
                    c == null ? 0 : c.epoch(), writer ? (held.deadlineNanos() - now) / 1_000_000 : 0,
                    sessionCounts.versionsInUse(), sessionCounts.connections(),
                    sessionCounts.statements(), sessionCounts.errors(),
                    lag.isPresent() ? lag.getAsLong() : null, Instant.now());
        } catch (RuntimeException e) {
            LOG.warn("group {}: cannot build the proxy status: {}", settings.group(), e.getMessage());
            return;
        }
        etcd.store().putLeased(keys.proxy(settings.group(), settings.cluster(), settings.proxyId()), status,
                held.leaseId()).whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.debug("group {}: publishing status failed: {}", settings.group(), e.getMessage());
                    }
                });
    }

    private void audit(String action, Map<String, String> details) {
        Map<String, String> d = new LinkedHashMap<>(details);
        d.put("proxy", settings.proxyId());
        etcd.store().appendAudit(settings.group(), Instant.now(), actor, action, settings.cluster(), d)
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.warn("group {}: audit record {} {} not written: {}", settings.group(), action, d,
                                e.getMessage());
                    }
                });
    }

    private void submit(Runnable task) {
        try {
            exec.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("write authority for group {} failed in a task", settings.group(), e);
                }
            });
        } catch (RejectedExecutionException afterClose) {
            LOG.debug("write authority for group {} closed; dropping a late callback", settings.group());
        }
    }

    /**
     * Stops campaigning and watching, runs the fencing sequence and waits (bounded) until the database is
     * fenced, so that closing the coordinator afterwards — which revokes the lease and lets another cluster
     * take over at once — never leaves this database writable. Close the authority before its coordinator.
     */
    @Override
    public void close() {
        try {
            CompletableFuture<Void> fenced = exec.submit(() -> {
                CompletableFuture<Void> f = fence(WriteGate.readOnly("write authority for group " + settings.group()
                        + " stopped", "retry later"), "closing");
                closed = true;
                handoff.close();
                if (modeWatch != null) {
                    modeWatch.close();
                }
                if (handoffWatch != null) {
                    handoffWatch.close();
                }
                return f;
            }).get(5, TimeUnit.SECONDS);
            fenced.get(CLOSE_FENCE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                 | java.util.concurrent.CancellationException | RejectedExecutionException e) {
            LOG.warn("write authority for group {} did not stop cleanly (database fence confirmed: no): {}",
                    settings.group(), e.toString());
        } finally {
            campaign.close();
            exec.shutdownNow();
            db.shutdownNow();
        }
    }

    /** What {@link Handoff} may see and do; runs on the authority's thread. */
    final class HandoffContext {

        GroupSettings settings() {
            return settings;
        }

        EtcdKeys keys() {
            return keys;
        }

        Coordinator etcd() {
            return etcd;
        }

        ScheduledExecutorService exec() {
            return exec;
        }

        ExecutorService db() {
            return db;
        }

        ReplicationLag replication() {
            return replication;
        }

        LocalFence localFence() {
            return localFence;
        }

        Optional<Confirmed> confirmed() {
            return Optional.ofNullable(confirmed);
        }

        boolean lagWithinBound(WalPosition position) {
            return positions.lagWithinBound(position, settings.maxLagBytes());
        }

        WalPosition lastWal() {
            return positions.last();
        }

        void setApplied(Eligibility.Applied position) {
            positions.setApplied(position);
        }

        SessionFence sessions() {
            return sessions;
        }

        /** Publishes {@code position} as this writer's (unless a later epoch published); completes when written. */
        CompletableFuture<WalPosition> publishPosition(WalPosition position) {
            return positions.publish(position);
        }

        void reconcile(String why) {
            WriterAuthority.this.reconcile(why);
        }

        void refreshEligibility() {
            WriterAuthority.this.refreshEligibility();
        }

        void audit(String action, Map<String, String> details) {
            WriterAuthority.this.audit(action, details);
        }

        void submit(Runnable task) {
            WriterAuthority.this.submit(task);
        }

        /** Gives the writer key and the lease up (after the gate closed), then campaigns again (ineligible). */
        CompletableFuture<Void> release() {
            return campaign.resign().handle((deleted, e) -> {
                if (e != null) {
                    LOG.warn("group {}: resign failed ({}); revoking the lease removes the key anyway",
                            settings.group(), e.getMessage());
                }
                return null;
            }).thenCompose(x -> keeper.revoke()).whenComplete((x, e) -> submit(() -> {
                if (e != null) {
                    LOG.warn("group {}: revoke failed ({}); the lease expires after its TTL", settings.group(),
                            e.getMessage());
                }
                startCampaign();
            }));
        }

        String json(Object record) {
            return Records.toJson(record);
        }
    }
}
