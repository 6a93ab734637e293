package io.fenceline.control.cli;

import io.fenceline.config.coordination.KeyEvent;
import io.fenceline.config.coordination.ResumableWatch;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.WatchListener;
import io.fenceline.control.fleet.Consistency;
import io.fenceline.control.reconcile.AfterWriterChange;
import io.fenceline.control.reconcile.ReplayedPast;
import io.fenceline.control.reconcile.WriterChange;
import io.fenceline.control.reconcile.WriterChanges;
import io.fenceline.control.rollout.Audit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code fenceline watch}: follows the group's writer key and, after every change of hands (an automatic failover,
 * a handoff, a manual failover), runs {@code policies.verify: after_writer_change} ({@link AfterWriterChange}):
 * waits for every cluster to replay the previous writer's last published WAL position, verifies against the new
 * writer and enforces {@code policies.on_divergence}. Runs until stopped, or with {@code --once} until the first
 * change was handled.
 */
@Command(name = "watch", description = {"Follow the group's writer key; after every writer change (a new epoch: an"
        + " automatic failover or a handoff) wait until every cluster replayed the previous writer's WAL past the last"
        + " position it published, then verify against the new writer and apply policies.on_divergence. Needs"
        + " policies.verify to list after_writer_change. Runs until stopped (or --once).",
        "Exit (with --once) 0 the clusters agree after the change, or writer_wins made them agree; 1 divergence the"
                + " policy did not resolve; 2 bad input, or verify could not judge (replay not caught up in time);"
                + " 3 etcd unreachable. Without --once it runs until interrupted and exits 0."})
final class WatchCommand extends ConsistencyCommand {

    // --json (inherited): one line of JSON per change on stdout, {"from", "from_epoch", "to", "to_epoch",
    // "last_position", "outcome": "verified" | "not_replayed", "failure" | "reason", "exit"}; progress on stderr.

    @Option(names = "--once", description = "exit after the first writer change was verified")
    boolean once;

    @Override
    int run(ControlSession session) throws Exception {
        var consistency = session.config.policies().consistency();
        if (!consistency.verifyAt().contains(Consistency.VerifyAt.AFTER_WRITER_CHANGE)) {
            err().println("fenceline watch: policies.verify in " + session.config.source() + " does not list "
                    + "after_writer_change, so there is nothing to do after a writer change (it is opt-in: set"
                    + " policies.verify: after_writer_change)");
            return ExitCodes.BAD_INPUT;
        }
        String group = session.config.group();
        var keys = session.etcd.keys();
        PrintWriter progress = json ? err() : out();
        var audit = new Audit(session.etcd.store(), group, OperatorCommand.actor());
        var after = new AfterWriterChange(enforcement(session), new ReplayedPast(session.fleet), audit,
                session.config.rolloutOrder(), replayTimeout, line -> {
                    progress.println(line);
                    progress.flush();
                });
        WriterChanges changes = new WriterChanges(keys.writer(group), keys.walPosition(group));
        BlockingQueue<WriterChange> queue = new LinkedBlockingQueue<>();
        CountDownLatch started = new CountDownLatch(1);
        // One watch over the keys starting with "w" (writer, wal, window): both keys' events in one revision order.
        try (ResumableWatch watch = session.etcd.watch(keys.groupPrefix(group) + "w", true, 0, new WatchListener() {
            @Override
            public void onSnapshot(Snapshot why, List<StoredEntry> entries, long revision) {
                queue.addAll(changes.snapshot(entries, why == Snapshot.INITIAL));
                started.countDown();
            }

            @Override
            public void onEvents(List<KeyEvent> events) {
                queue.addAll(changes.events(events));
            }
        })) {
            while (!started.await(1, TimeUnit.SECONDS)) {
                progress.println("fenceline watch: waiting for etcd to answer the watch of group " + group);
                progress.flush();
            }
            progress.println("watching the writer of group " + group + ": now " + changes.current().orElse("none")
                    + "; after each change, verify (policy " + consistency.onDivergence().text() + ")");
            progress.flush();
            while (!Thread.currentThread().isInterrupted()) {
                WriterChange change = queue.take();
                AfterWriterChange.Outcome outcome = after.handle(change, consistency.onDivergence());
                int code = ExitCodes.OK;
                if (outcome instanceof AfterWriterChange.Outcome.NotReplayed) {
                    code = ExitCodes.BAD_INPUT;
                } else if (outcome instanceof AfterWriterChange.Outcome.Verified v && v.failure().isPresent()) {
                    progress.println("after the writer change " + change.describe() + ": " + v.failure().get());
                    code = ExitCodes.FINDINGS;
                }
                if (json) {
                    // One JSON object per change on stdout (progress lines go to stderr).
                    var n = Json.MAPPER.createObjectNode().put("from", change.fromCluster())
                            .put("from_epoch", change.fromEpoch()).put("to", change.toCluster())
                            .put("to_epoch", change.toEpoch()).put("last_position", change.lastPosition()
                                    .map(p -> p.lsn()).orElse(null));
                    if (outcome instanceof AfterWriterChange.Outcome.NotReplayed nr) {
                        n.put("outcome", "not_replayed").put("reason", nr.why());
                    } else if (outcome instanceof AfterWriterChange.Outcome.Verified v) {
                        n.put("outcome", "verified").put("failure", v.failure().orElse(null));
                    }
                    out().println(n.put("exit", code).toString());
                    out().flush();
                }
                progress.flush();
                if (once) {
                    return code;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCodes.OK;
    }
}
