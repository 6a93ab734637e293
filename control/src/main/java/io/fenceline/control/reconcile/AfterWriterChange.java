package io.fenceline.control.reconcile;

import io.fenceline.control.fleet.Consistency.OnDivergence;
import io.fenceline.control.rollout.Audit;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code policies.verify: after_writer_change} for a writer change control saw happen (an automatic failover or a
 * handoff, followed by {@code fenceline watch}): waits until every other cluster has replayed the previous writer's
 * WAL past the last position it published ({@link ReplayedPast}), so rows it acknowledged and that are still on
 * their way are not reported as divergence, then verifies against the new writer and enforces
 * {@code policies.on_divergence} ({@link Enforcement#check}). Audit records: {@code writer-change} when seen,
 * {@code writer-change-unverified} when the replay wait ran out, then {@code verify} and the policy's own.
 */
public final class AfterWriterChange {

    /** What one change led to. */
    public sealed interface Outcome {
        /** Verify ran; {@code failure} says why the group is not fine (a halt, an unresolved copy), if so. */
        record Verified(Optional<String> failure) implements Outcome {}

        /** The clusters did not replay the previous writer's last position in time: verify did not judge. */
        record NotReplayed(String why) implements Outcome {}
    }

    private final Enforcement enforcement;
    private final ReplayedPast replay;
    private final Audit audit;
    private final List<String> clusters;
    private final Duration replayTimeout;
    private final Consumer<String> progress;

    public AfterWriterChange(Enforcement enforcement, ReplayedPast replay, Audit audit, List<String> clusters,
                             Duration replayTimeout, Consumer<String> progress) {
        this.enforcement = enforcement;
        this.replay = replay;
        this.audit = audit;
        this.clusters = List.copyOf(clusters);
        this.replayTimeout = replayTimeout;
        this.progress = progress;
    }

    /** Handles one change: the replay wait, verify, the policy. */
    public Outcome handle(WriterChange change, OnDivergence policy) throws InterruptedException, SQLException {
        audit.record("writer-change", change.toCluster(), "from", change.fromCluster(), "from_epoch", change.fromEpoch(),
                "to", change.toCluster(), "to_epoch", change.toEpoch(), "last_position", change.lastPosition()
                        .map(p -> ReplayedPast.lsn(p.lsn()) + " at " + p.at()).orElse("none published while watched"));
        progress.accept("writer change " + change.describe());
        if (change.lastPosition().isPresent()) {
            var position = change.lastPosition().get();
            ReplayedPast.Outcome waited = replay.await(position, clusters, replayTimeout, behind ->
                    progress.accept("  waiting for every cluster to replay " + change.fromCluster() + "'s WAL past "
                            + ReplayedPast.lsn(position.lsn()) + ": " + behind));
            if (waited instanceof ReplayedPast.Outcome.Behind behind) {
                String why = "within " + replayTimeout.toMillis() + " ms not every cluster replayed " + change.fromCluster()
                        + "'s last published position " + ReplayedPast.lsn(position.lsn()) + ": "
                        + String.join("; ", behind.lines());
                audit.record("writer-change-unverified", change.toCluster(), "from", change.fromCluster(),
                        "to_epoch", change.toEpoch(), "reason", why);
                progress.accept("  verify not run: " + why + " (replication lag is not divergence)");
                return new Outcome.NotReplayed(why);
            }
            progress.accept("  every cluster replayed " + change.fromCluster() + "'s WAL past "
                    + ReplayedPast.lsn(position.lsn()));
        } else {
            progress.accept("  " + change.fromCluster() + " published no WAL position while watched: verify relies on"
                    + " its own replay wait");
        }
        return new Outcome.Verified(enforcement.check("after the writer change " + change.describe(), policy));
    }
}
