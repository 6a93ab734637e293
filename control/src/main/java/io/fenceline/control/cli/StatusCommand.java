package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.records.Ack;
import io.fenceline.config.records.ControlLeaderRecord;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.Records;
import io.fenceline.config.records.ReplicationTelemetry;
import io.fenceline.config.records.Window;
import io.fenceline.control.history.Direction;
import io.fenceline.control.history.HistoryRow;
import io.fenceline.control.history.HistoryTable;
import picocli.CommandLine.Command;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/** {@code fenceline status}: the journal, leader, window, proxies' version counts and each cluster's history. */
@Command(name = "status", description = {"Show the migration journal, control's leader, the window, the connections"
        + " per version the proxies report, and each cluster's epoch, history and acks.",
        "Exit 0, or 3 when etcd is unreachable (an unreachable cluster is shown, not fatal)."})
final class StatusCommand extends FleetCommand {

    @Override
    int run(ControlSession session) throws Exception {
        String group = session.config.group();
        var store = session.etcd.store();
        var keys = session.etcd.keys();
        Optional<Versioned<MigrationJournal>> journal = store.get(keys.migration(group), MigrationJournal.class).join();
        Optional<Versioned<ControlLeaderRecord>> leader = store.get(keys.controlLeader(), ControlLeaderRecord.class).join();
        Optional<Versioned<Window>> window = store.get(keys.window(group), Window.class).join();
        Map<Integer, Integer> versions = ProxyStatus.sumVersions(store.proxyStatuses(group).join().values());

        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("group", group);
        if (journal.isPresent()) {
            root.set("journal", Json.MAPPER.readTree(Records.toJson(journal.get().value())));
        } else {
            root.putNull("journal");
        }
        leader.ifPresentOrElse(l -> {
            ObjectNode n = root.putObject("leader");
            n.put("instance", l.value().instance());
            n.put("epoch", l.entry().createRevision());
        }, () -> root.putNull("leader"));
        window.ifPresentOrElse(w -> root.putObject("window").put("oldest", w.value().oldest())
                .put("newest", w.value().newest()), () -> root.putNull("window"));
        ObjectNode counts = root.putObject("connections_by_version");
        versions.forEach((v, n) -> counts.put(Integer.toString(v), n));
        ArrayNode clusters = root.putArray("clusters");
        int newest = 0;
        for (String cluster : session.config.rolloutOrder()) {
            ObjectNode c = clusters.addObject();
            c.put("cluster", cluster);
            c.put("wave", session.config.waveOf(cluster));
            try (Connection conn = session.fleet.connect(cluster)) {
                c.put("reachable", true);
                c.put("epoch", HistoryTable.epoch(conn));
                ArrayNode rows = c.putArray("history");
                for (HistoryRow r : HistoryTable.rows(conn)) {
                    rows.addObject().put("version", r.version()).put("phase", r.phase()).put("direction",
                            r.direction().text()).put("epoch", r.epoch()).put("applied_at", r.appliedAt().toString());
                }
                if (journal.isPresent()) {
                    // Batched backfill of the current run's version: how far each cluster got.
                    var batches = HistoryTable.batches(conn, journal.get().value().version(), "backfill", Direction.UP);
                    c.putObject("backfill_batches").put("batches", batches.size())
                            .put("rows", batches.stream().mapToLong(b -> b[2]).sum())
                            .put("finished", !batches.isEmpty() && batches.get(batches.size() - 1)[2] == 0);
                }
            } catch (SQLException e) {
                c.put("reachable", false);
                c.put("error", e.getMessage());
            }
            ArrayNode acks = c.putArray("acks");
            int applied = 0;
            for (StoredEntry e : store.getPrefix(keys.acksPrefix(group, cluster)).join()) {
                Ack ack = Records.fromJson(e.key(), e.value(), Ack.class);
                acks.addObject().put("key", e.key().substring(keys.acksPrefix(group, cluster).length()))
                        .put("checksum", ack.checksum()).put("epoch", ack.epoch());
                if (keys.parse(e.key()).orElse(null) instanceof io.fenceline.config.keys.EtcdKey.Ack a
                        && a.step() == io.fenceline.config.records.Step.EXPAND) {
                    applied = Math.max(applied, a.version());
                }
            }
            c.put("applied_version", applied);
            newest = Math.max(newest, applied);
            // Each proxy's replication telemetry (lease-bound): lag in bytes and seconds, last apply latency.
            ArrayNode replication = c.putArray("replication");
            String telemetryPrefix = keys.clusterPrefix(group, cluster) + "telemetry/";
            for (StoredEntry e : store.getPrefix(telemetryPrefix).join()) {
                ReplicationTelemetry t = Records.fromJson(e.key(), e.value(), ReplicationTelemetry.class);
                ObjectNode r = replication.addObject().put("proxy", e.key().substring(telemetryPrefix.length()));
                r.put("upstream", t.upstream());
                r.put("lag_bytes", t.lagBytes());
                r.put("lag_seconds", t.lagSeconds());
                r.put("apply_latency_seconds", t.applyLatencySeconds());
            }
        }
        int behind = 0;
        for (var node : clusters) {
            behind += node.get("applied_version").asInt() < newest ? 1 : 0;
        }
        root.put("newest_applied_version", newest);
        root.put("clusters_behind_newest", behind);
        if (json) {
            out().println(root.toPrettyString());
            return ExitCodes.OK;
        }
        out().println("group " + group + ": " + journal.map(j -> "run " + j.value().runId() + " of V" + j.value().version()
                + " is " + j.value().state().text() + (j.value().step() == null ? "" : " (" + j.value().step().text()
                + ", wave " + j.value().wave() + j.value().waveOrder(j.value().step()).map(o -> " of " + o).orElse("")
                + ", done " + j.value().doneClusters() + ")")
                + (j.value().reason() == null ? "" : ": " + j.value().reason())).orElse("no migration run yet"));
        // What the run waits for (rollout window, cooldown, a gate's or a drain's time box), as the journal says.
        journal.map(j -> j.value().timing().waiting()).ifPresent(wait -> out().println("  " + wait.text()));
        out().println("leader: " + leader.map(l -> l.value().instance() + " (epoch " + l.entry().createRevision() + ")")
                .orElse("none"));
        out().println("window: " + window.map(w -> "{" + w.value().oldest() + ", " + w.value().newest() + "}")
                .orElse("none"));
        out().println("connections by version (proxies): " + (versions.isEmpty() ? "none reported" : versions));
        out().println("newest applied version: V" + newest + ", clusters behind it: " + behind);
        for (var node : clusters) {
            out().println("  " + node.get("cluster").asText() + " (configured wave " + node.get("wave").asInt() + "): "
                    + (node.get("reachable").asBoolean() ? "epoch " + node.get("epoch").asLong() + ", "
                    + node.get("history").size() + " history row(s)" + lastRow(node) + batches(node)
                    : "UNREACHABLE " + node.get("error").asText()) + ", " + node.get("acks").size() + " ack(s)"
                    + ", applied V" + node.get("applied_version").asInt());
            for (var r : node.get("replication")) {
                out().println("    proxy " + r.get("proxy").asText() + ": " + (r.get("upstream").isNull() ? "no writer position yet"
                        : "behind " + r.get("upstream").asText() + " " + text(r.get("lag_bytes"), " B") + " / "
                        + text(r.get("lag_seconds"), " s") + ", apply latency " + text(r.get("apply_latency_seconds"), " s")));
            }
        }
        return ExitCodes.OK;
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode value, String unit) {
        return value == null || value.isNull() ? "unknown" : value.isFloatingPointNumber()
                ? String.format(java.util.Locale.ROOT, "%.2f%s", value.asDouble(), unit) : value.asText() + unit;
    }

    private static String batches(com.fasterxml.jackson.databind.JsonNode node) {
        var b = node.get("backfill_batches");
        if (b == null || b.get("batches").asInt() == 0) {
            return "";
        }
        return ", backfill " + b.get("batches").asInt() + " batch(es) / " + b.get("rows").asLong() + " row(s)"
                + (b.get("finished").asBoolean() ? " (finished)" : " so far");
    }

    private static String lastRow(com.fasterxml.jackson.databind.JsonNode node) {
        var rows = node.get("history");
        if (rows.isEmpty()) {
            return "";
        }
        var last = rows.get(rows.size() - 1);
        return ", last V" + last.get("version").asInt() + " " + last.get("phase").asText() + " "
                + last.get("direction").asText();
    }
}
