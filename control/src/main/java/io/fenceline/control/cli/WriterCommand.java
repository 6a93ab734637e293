package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.records.HandoffProgress;
import io.fenceline.config.records.HandoffRequest;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.WalPosition;
import io.fenceline.config.records.WriterRecord;
import picocli.CommandLine.Command;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code fenceline writer}: who holds the group's writer key (cluster, proxy, epoch, and what etcd says is left
 * of its lease), every cluster's mode, a pending handoff, and each proxy's status record.
 */
@Command(name = "writer", description = {"Show who holds the group's writer key (cluster, proxy, epoch, the lease's"
        + " TTL left in etcd), each cluster's mode, a pending handoff and its stage, the last published WAL position,"
        + " and every proxy's status record.",
        "Exit 0 (also when no cluster holds the key: the output says so), 2 bad input, 3 etcd unreachable."})
final class WriterCommand extends OperatorCommand {

    @Override
    int run(ControlSession session) {
        if (!validGroup(session)) {
            return ExitCodes.BAD_INPUT;
        }
        String group = group(session);
        var store = session.etcd.store();
        var keys = session.etcd.keys();
        Optional<Versioned<WriterRecord>> writer = store.get(keys.writer(group), WriterRecord.class).join();
        OptionalLong ttl = writer.isPresent() && writer.get().entry().lease() != 0
                ? session.etcd.leaseRemainingTtl(writer.get().entry().lease()).join() : OptionalLong.empty();
        Map<String, String> modes = new LinkedHashMap<>();
        for (String c : knownClusters(session)) {
            modes.put(c, modeText(store.getEntry(keys.mode(group, c)).join()));
        }
        Optional<HandoffRequest> request = store.get(keys.handoff(group), HandoffRequest.class).join().map(Versioned::value);
        Optional<HandoffProgress> progress = store.get(keys.handoffProgress(group), HandoffProgress.class).join()
                .map(Versioned::value);
        Optional<WalPosition> wal = store.get(keys.walPosition(group), WalPosition.class).join().map(Versioned::value);
        Map<EtcdKey.Proxy, ProxyStatus> statuses = store.proxyStatuses(group).join();
        Instant now = Instant.now();

        if (json) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("group", group);
            writer.ifPresentOrElse(w -> {
                ObjectNode n = root.putObject("writer");
                n.put("cluster", w.value().cluster());
                n.put("proxy", w.value().proxy());
                n.put("since", w.value().since().toString());
                n.put("epoch", w.entry().createRevision());
                n.put("lease", Long.toHexString(w.entry().lease()));
                if (ttl.isPresent()) {
                    n.put("lease_ttl_left_s", ttl.getAsLong());
                } else {
                    n.putNull("lease_ttl_left_s");
                }
            }, () -> root.putNull("writer"));
            ObjectNode m = root.putObject("modes");
            modes.forEach(m::put);
            request.ifPresentOrElse(r -> root.putObject("handoff_request").put("request", r.requestId())
                    .put("target", r.targetCluster()).put("requested_by", r.requestedBy()).put("at", r.at().toString())
                    .put("timeout_ms", r.timeoutMillis()), () -> root.putNull("handoff_request"));
            progress.ifPresentOrElse(p -> root.putObject("handoff_progress").put("request", p.requestId())
                    .put("from", p.from()).put("target", p.target()).put("phase", p.phase().name())
                    .put("pause_lsn", HandoffCommand.lsn(p.pauseLsn())).put("applied_lsn", HandoffCommand.lsn(p.appliedLsn()))
                    .put("reason", p.reason()).put("at", p.at().toString()), () -> root.putNull("handoff_progress"));
            wal.ifPresentOrElse(w -> root.putObject("wal").put("cluster", w.cluster()).put("epoch", w.epoch())
                    .put("lsn", HandoffCommand.lsn(w.lsn())).put("at", w.at().toString()), () -> root.putNull("wal"));
            root.set("proxies", proxiesJson(statuses));
            out().println(root.toPrettyString());
            return ExitCodes.OK;
        }
        out().println("group " + group + ": " + writer.map(w -> "writer " + w.value().cluster() + " (proxy "
                + w.value().proxy() + "), epoch " + w.entry().createRevision() + ", since " + w.value().since()
                + ", lease " + Long.toHexString(w.entry().lease()) + " has "
                + (ttl.isPresent() ? ttl.getAsLong() + " s" : "no time (expired)") + " left in etcd")
                .orElse("NO WRITER: no cluster holds the writer key (writes are refused everywhere)"));
        out().println("modes: " + (modes.isEmpty() ? "no cluster known" : modes.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).reduce((a, b) -> a + ", " + b).orElse("")));
        out().println("handoff: " + request.map(r -> HandoffCommand.describe(r) + progress
                .filter(p -> p.requestId().equals(r.requestId())).map(p -> ", stage " + p.phase().name()).orElse(
                        ", not started by a writer yet")).orElse("none pending")
                + progress.filter(p -> request.isEmpty() || !p.requestId().equals(request.get().requestId()))
                .map(p -> " (last: " + p.requestId() + " " + p.from() + " -> " + p.target() + " " + p.phase().name()
                        + (p.reason().isEmpty() ? "" : ": " + p.reason()) + ", " + OperatorCommand.age(p.at(), now) + ")")
                .orElse(""));
        out().println("last WAL position: " + wal.map(w -> HandoffCommand.lsn(w.lsn()) + " from " + w.cluster()
                + " at epoch " + w.epoch() + ", " + OperatorCommand.age(w.at(), now)).orElse("none published"));
        out().println("proxies:");
        printProxies(out(), statuses, now);
        return ExitCodes.OK;
    }
}
