package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.control.reconcile.Change;
import io.fenceline.control.reconcile.Enforcement;
import io.fenceline.control.reconcile.Reconciler;
import io.fenceline.control.rollout.Audit;
import io.fenceline.control.verify.Difference;
import io.fenceline.control.verify.Key;
import io.fenceline.control.verify.Verifier;
import io.fenceline.control.verify.VerifyReport;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What {@code verify} and {@code reconcile} share: the comparison's options, and printing its report. */
abstract class ConsistencyCommand extends FleetCommand {

    @Option(names = "--table", paramLabel = "SCHEMA.TABLE", split = ",",
            description = "compare only these tables (repeat or comma-separate; a bare name is in public)")
    Set<String> tables;

    @Option(names = "--chunk-rows", paramLabel = "ROWS", defaultValue = "1000",
            description = "rows of the reference per hashed chunk; default ${DEFAULT-VALUE}")
    long chunkRows;

    @Option(names = "--replay-timeout", paramLabel = "DURATION", defaultValue = "60s",
            converter = OperatorCommand.DurationConverter.class,
            description = "how long to wait for the subscribers to replay a position; default ${DEFAULT-VALUE}")
    Duration replayTimeout;

    Verifier.Settings settings() {
        return Verifier.Settings.DEFAULTS.withChunkRows(Math.max(1, chunkRows)).withReplayTimeout(replayTimeout)
                .withTables(tables == null ? Set.of() : tables);
    }

    Enforcement enforcement(ControlSession session) {
        PrintWriter progress = json ? err() : out();
        return new Enforcement(session.fleet, session.etcd.store(), session.etcd.keys(), session.config.group(),
                new Audit(session.etcd.store(), session.config.group(), OperatorCommand.actor()),
                session.config.rolloutOrder(), settings(), line -> {
                    progress.println(line);
                    progress.flush();
                });
    }

    /** Checks that {@code cluster} is one of the configuration's; prints why not. */
    boolean known(ControlSession session, String cluster, String what) {
        if (session.config.cluster(cluster).isPresent()) {
            return true;
        }
        err().println("fenceline " + verb() + ": " + what + " '" + cluster + "' is not a cluster of "
                + session.config.source() + " (" + String.join(", ", session.config.rolloutOrder()) + ")");
        return false;
    }

    static void print(PrintWriter out, VerifyReport r) {
        for (VerifyReport.TableReport t : r.tables()) {
            out.printf(Locale.ROOT, "  %s: %d rows on %s (%d chunk(s), %d hashes, %.1f s)%n", t.table(), t.rows(),
                    r.writer(), t.chunks(), t.digests(), t.took().toMillis() / 1000.0);
            for (VerifyReport.PairReport p : t.pairs()) {
                StringBuilder line = new StringBuilder("    " + p.cluster() + " (" + p.rows() + " rows): ");
                if (p.diverged().isEmpty() && p.unsettled().isEmpty() && !p.truncated()) {
                    line.append("agrees");
                }
                for (Difference.Kind k : Difference.Kind.values()) {
                    List<Key> keys = keys(p.diverged(), k);
                    if (!keys.isEmpty()) {
                        line.append(k.text()).append(" on ").append(p.cluster()).append(' ').append(keys).append("  ");
                    }
                }
                if (!p.unsettled().isEmpty()) {
                    line.append("unsettled ").append(p.unsettled()).append("  ");
                }
                if (p.truncated()) {
                    line.append("(more candidates than the bound: not all judged)");
                }
                out.println(line.toString().stripTrailing());
            }
        }
        r.schema().forEach(s -> out.println("  schema: " + s));
        r.notes().forEach(n -> out.println("  note: " + n));
        out.println(r.summary());
    }

    static List<Key> keys(List<Difference> diffs, Difference.Kind kind) {
        return diffs.stream().filter(d -> d.kind() == kind).map(Difference::key).toList();
    }

    static ObjectNode json(VerifyReport r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("run", r.runId()).put("writer", r.writer()).put("outcome", r.outcome().name().toLowerCase(Locale.ROOT))
                .put("exit", r.exitCode()).put("start_lsn", r.startLsn()).put("took_ms", r.took().toMillis())
                .put("diverged", r.diverged()).put("summary", r.summary());
        ArrayNode tables = n.putArray("tables");
        for (VerifyReport.TableReport t : r.tables()) {
            ObjectNode tn = tables.addObject();
            tn.put("table", t.table()).put("rows", t.rows()).put("chunks", t.chunks()).put("digests", t.digests())
                    .put("took_ms", t.took().toMillis());
            ArrayNode compared = tn.putArray("columns_compared");
            t.shape().compared().forEach(compared::add);
            ArrayNode notCompared = tn.putArray("columns_not_compared");
            t.shape().notCompared().forEach(notCompared::add);
            ArrayNode pairs = tn.putArray("pairs");
            for (VerifyReport.PairReport p : t.pairs()) {
                ObjectNode pn = pairs.addObject();
                pn.put("writer", r.writer()).put("cluster", p.cluster()).put("rows", p.rows());
                for (Difference.Kind k : Difference.Kind.values()) {
                    keys(pn.putArray(k.text()), keys(p.diverged(), k));
                }
                keys(pn.putArray("unsettled"), p.unsettled());
                pn.put("truncated", p.truncated());
            }
        }
        ArrayNode schema = n.putArray("schema");
        r.schema().forEach(schema::add);
        ArrayNode notes = n.putArray("notes");
        r.notes().forEach(notes::add);
        if (r.problem() == null) {
            n.putNull("problem");
        } else {
            n.put("problem", r.problem());
        }
        return n;
    }

    private static void keys(ArrayNode into, List<Key> keys) {
        keys.forEach(k -> {
            ArrayNode a = into.addArray();
            k.values().forEach(a::add);
        });
    }

    static ArrayNode json(Reconciler.Result result) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Change c : result.changes()) {
            ObjectNode n = a.addObject();
            n.put("cluster", c.cluster()).put("table", c.table()).put("action", c.action());
            ArrayNode key = n.putArray("key");
            c.key().values().forEach(key::add);
            n.put("old_row", c.oldRow()).put("new_row", c.newRow()).put("refused", c.refused());
        }
        return a;
    }
}
