package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.records.AuditRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code fenceline audit}: lists the group's decision records. */
@Command(name = "audit", description = {"List the group's audit records (every start, ack, gate, halt, rollback and"
        + " operator action), oldest first.", "Exit 0, or 3 when etcd is unreachable."})
final class AuditCommand extends FleetCommand {

    @Option(names = "--from", paramLabel = "SEQ", defaultValue = "1", description = "first sequence number")
    long from;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "at most N records")
    int limit;

    @Override
    int run(ControlSession session) {
        List<AuditRecord> records = session.etcd.store().listAudit(session.config.group(), from, limit).join();
        if (json) {
            ArrayNode array = Json.MAPPER.createArrayNode();
            for (AuditRecord r : records) {
                ObjectNode n = array.addObject();
                n.put("seq", r.seq());
                n.put("at", r.at().toString());
                n.put("actor", r.actor());
                n.put("action", r.action());
                if (r.cluster() == null) {
                    n.putNull("cluster");
                } else {
                    n.put("cluster", r.cluster());
                }
                ObjectNode d = n.putObject("details");
                r.details().forEach(d::put);
            }
            out().println(array.toPrettyString());
        } else {
            for (AuditRecord r : records) {
                out().printf("%6d %s %-14s %-20s %-8s %s%n", r.seq(), r.at(), r.actor(), r.action(),
                        r.cluster() == null ? "-" : r.cluster(), r.details());
            }
            out().println(records.size() + " record(s)");
        }
        return ExitCodes.OK;
    }
}
