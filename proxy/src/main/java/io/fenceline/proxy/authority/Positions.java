package io.fenceline.proxy.authority;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.PutResult;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.records.WalPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The WAL positions of one proxy's group: the writer's published position ({@code …/groups/{group}/wal}) as
 * last read, this database's applied position of that cluster's WAL, whether the writer key was seen gone,
 * and, as writer, publishing this database's own position. State is touched on the authority's thread only;
 * database queries run on its database thread.
 *
 * <p>A failed publish is logged at warn with the position and the age of the last one published, the first
 * time and every tenth time in a row: candidates ignore a position that grew stale (see {@link Eligibility}),
 * so a writer whose publishes fail is one nobody can take over from automatically.
 */
final class Positions {

    private static final Logger LOG = LoggerFactory.getLogger(Positions.class);
    private static final int WARN_EVERY = 10;

    private final GroupSettings settings;
    private final Coordinator etcd;
    private final String key;
    private final String writerKey;
    private final ReplicationLag replication;
    private final Executor db;
    private final Consumer<Runnable> submit;
    private final Duration freshness;

    // Touched only on the authority's thread (volatile where read for status from elsewhere).
    private WalPosition wal;
    private volatile Eligibility.Applied applied = Eligibility.Applied.UNKNOWN;
    private volatile OptionalLong lagBytes = OptionalLong.empty();
    private Instant writerGoneAt;
    private WalPosition lastPublished;
    private int failuresInARow;

    Positions(GroupSettings settings, Coordinator etcd, ReplicationLag replication, Executor db,
              Consumer<Runnable> submit) {
        this.settings = settings;
        this.etcd = etcd;
        this.key = etcd.keys().walPosition(settings.group());
        this.writerKey = etcd.keys().writer(settings.group());
        this.replication = replication;
        this.db = db;
        this.submit = submit;
        this.freshness = Eligibility.freshness(settings, etcd.settings().leaseTtl());
    }

    /** The last published position read, or null. */
    WalPosition last() {
        return wal;
    }

    /** Replaces the last position read (a fresh read while confirming a won key). */
    void setLast(WalPosition position) {
        wal = position;
    }

    Eligibility.Applied applied() {
        return applied;
    }

    void setApplied(Eligibility.Applied a) {
        applied = a;
    }

    OptionalLong lagBytes() {
        return lagBytes;
    }

    Duration freshness() {
        return freshness;
    }

    /** The instant a position must be fresh at: when the writer key was seen gone, or now while it exists. */
    Instant reference() {
        return writerGoneAt != null ? writerGoneAt : Instant.now();
    }

    /** Whether this database applied {@code position}'s WAL to within {@code bound} bytes, the position fresh. */
    boolean lagWithinBound(WalPosition position, long bound) {
        return Eligibility.lagWithin(position, applied, bound, freshness, reference());
    }

    /** Reads the published position and the writer key, then runs {@code then} on the authority's thread. */
    void read(Runnable then) {
        CompletableFuture<Optional<io.fenceline.config.coordination.Versioned<WalPosition>>> w =
                etcd.store().get(key, WalPosition.class);
        CompletableFuture<Optional<io.fenceline.config.coordination.StoredEntry>> k = etcd.store().getEntry(writerKey);
        CompletableFuture.allOf(w, k).whenComplete((x, e) -> submit.accept(() -> {
            if (e != null) {
                LOG.debug("group {}: reading the writer WAL position or key failed: {}", settings.group(),
                        e.getMessage());
            } else {
                wal = w.join().map(v -> v.value()).orElse(null);
                if (k.join().isPresent()) {
                    writerGoneAt = null;
                } else if (writerGoneAt == null) {
                    writerGoneAt = Instant.now();
                }
            }
            then.run();
        }));
    }

    /** Reads a fresh copy of the published position (empty when there is none). */
    CompletableFuture<Optional<WalPosition>> readNow() {
        return etcd.store().get(key, WalPosition.class).thenApply(o -> o.map(v -> v.value()));
    }

    /**
     * Measures, on the database thread, this database's applied position of the last published position's
     * WAL (not the writer), then runs {@code then} on the authority's thread.
     */
    void measure(Runnable then) {
        WalPosition last = wal;
        db.execute(() -> {
            try {
                OptionalLong a = last == null ? OptionalLong.empty() : replication.appliedUpstreamLsn(last);
                applied = last == null ? Eligibility.Applied.UNKNOWN
                        : new Eligibility.Applied(last.cluster(), last.epoch(), a);
                lagBytes = last == null || a.isEmpty() ? OptionalLong.empty()
                        : OptionalLong.of(Math.max(0, last.lsn() - a.getAsLong()));
            } catch (RuntimeException e) {
                LOG.warn("group {}: replication position unavailable: {}", settings.group(), e.getMessage());
                applied = Eligibility.Applied.UNKNOWN;
                lagBytes = OptionalLong.empty();
            }
            submit.accept(then);
        });
    }

    /**
     * As writer with {@code epoch}: reads this database's position and slots (database thread) and publishes
     * them unless a writer with a higher epoch published already. Completes (on no particular thread) once
     * written; exceptionally when the read or the write failed or a later epoch holds the key.
     */
    CompletableFuture<WalPosition> publish(long epoch) {
        return CompletableFuture.supplyAsync(() -> new WalPosition(settings.cluster(), epoch, replication.localWalLsn(),
                Instant.now(), replication.logicalSlots()), db).thenCompose(this::publish);
    }

    /** Publishes {@code mine} unless a writer with a higher epoch published already. */
    CompletableFuture<WalPosition> publish(WalPosition mine) {
        return etcd.store().get(key, WalPosition.class).thenCompose(current -> {
            if (current.isPresent() && current.get().value().epoch() > mine.epoch()) {
                return CompletableFuture.completedFuture((PutResult) new PutResult.Conflict(Optional.empty()));
            }
            return etcd.store().compareAndSet(key, mine, current.map(v -> v.modRevision()).orElse(0L));
        }).handle((r, e) -> {
            if (e == null && r instanceof PutResult.Written) {
                submit.accept(() -> published(mine));
                return mine;
            }
            String why = e != null ? e.getMessage() : "not written (" + r + "; a later epoch published, or a concurrent"
                    + " write)";
            submit.accept(() -> publishFailed(mine, why));
            throw new IllegalStateException("publishing WAL position " + mine.lsn() + " (epoch " + mine.epoch()
                    + ") failed: " + why);
        });
    }

    private void published(WalPosition mine) {
        if (failuresInARow > 0) {
            LOG.info("group {}: WAL position published again (epoch {}, lsn {}) after {} failures", settings.group(),
                    mine.epoch(), mine.lsn(), failuresInARow);
        }
        failuresInARow = 0;
        lastPublished = mine;
        wal = mine;
        lagBytes = OptionalLong.of(0);
    }

    private void publishFailed(WalPosition mine, String why) {
        failuresInARow++;
        if (failuresInARow % WARN_EVERY == 1) {
            WalPosition last = lastPublished;
            LOG.warn("group {}: publishing WAL position {} (epoch {}) failed ({} in a row): {}; last published {}; "
                            + "candidates ignore a position older than {} ms", settings.group(), mine.lsn(),
                    mine.epoch(), failuresInARow, why, last == null ? "none"
                            : last.lsn() + " at " + last.at() + " (" + Duration.between(last.at(), Instant.now())
                            .toMillis() + " ms ago)", freshness.toMillis());
        }
    }
}
