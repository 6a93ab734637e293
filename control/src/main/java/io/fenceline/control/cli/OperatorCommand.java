package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.control.fleet.ClusterConfig;
import io.fenceline.control.rollout.Audit;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What the operator verbs ({@code mode}, {@code handoff}, {@code writer}) share: the group they act on
 * (the configuration's by default), the clusters known for it, who the operator is for the audit, and the
 * proxies' status table.
 */
abstract class OperatorCommand extends FleetCommand {

    @Option(names = "--group", paramLabel = "G", description = "the group (default: the configuration's group)")
    String groupOption;

    /** The group acted on. */
    String group(ControlSession session) {
        return groupOption != null ? groupOption : session.config.group();
    }

    /** Checks the group name; prints why and returns false when it cannot be a key segment. */
    boolean validGroup(ControlSession session) {
        if (EtcdKeys.isValidName(group(session))) {
            return true;
        }
        err().println("fenceline " + verb() + ": group '" + group(session) + "' is not a valid name (" + EtcdKeys.NAME_PATTERN
                + ")");
        return false;
    }

    /**
     * The clusters known for the group: the configuration's (when it is the configuration's group) and every
     * cluster etcd holds a mode, an ack or a proxy status for.
     */
    TreeSet<String> knownClusters(ControlSession session) {
        String group = group(session);
        TreeSet<String> names = new TreeSet<>();
        if (group.equals(session.config.group())) {
            session.config.clusters().stream().map(ClusterConfig::name).forEach(names::add);
        }
        EtcdKeys keys = session.etcd.keys();
        for (StoredEntry e : session.etcd.store().getPrefix(keys.clustersPrefix(group)).join()) {
            keys.parse(e.key()).ifPresent(k -> {
                if (k instanceof EtcdKey.Mode m) {
                    names.add(m.cluster());
                } else if (k instanceof EtcdKey.Proxy p) {
                    names.add(p.cluster());
                } else if (k instanceof EtcdKey.Ack a) {
                    names.add(a.cluster());
                }
            });
        }
        return names;
    }

    /** The audit writer for this operator's actions on the group. */
    Audit audit(ControlSession session) {
        return new Audit(session.etcd.store(), group(session), actor());
    }

    /** {@code operator user@host}: who acted, as the audit records it. */
    static String actor() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "unknown-host";
            }
        }
        return "operator " + System.getProperty("user.name", "unknown") + "@" + host;
    }

    /** The operator's mode text of a stored mode key: the canonical mode, or the raw text when unreadable. */
    static String modeText(Optional<StoredEntry> entry) {
        if (entry.isEmpty() || entry.get().value().isBlank()) {
            return Mode.WRITABLE.text();
        }
        return Mode.tryParse(entry.get().value()).map(Mode::text)
                .orElse("'" + entry.get().value() + "' (unreadable: proxies enforce read-only)");
    }

    /** Prints the proxies' status records as a table, oldest report age last. */
    static void printProxies(PrintWriter out, Map<EtcdKey.Proxy, ProxyStatus> statuses, Instant now) {
        if (statuses.isEmpty()) {
            out.println("  no proxy reports a status (none running, or none publishing)");
            return;
        }
        out.printf("  %-12s %-14s %-10s %-6s %-8s %-8s %-10s %-6s %-10s %-8s %-14s %s%n", "CLUSTER", "PROXY", "MODE",
                "WRITER", "EPOCH", "SLACK", "LAG", "CONNS", "STATEMENTS", "ERRORS", "VERSIONS", "REPORTED");
        statuses.forEach((k, s) -> out.printf("  %-12s %-14s %-10s %-6s %-8s %-8s %-10s %-6d %-10d %-8d %-14s %s%n",
                k.cluster(), k.proxyId(), s.mode().text(), s.writer() ? "yes" : "no", s.epoch() == 0 ? "-" : s.epoch(),
                s.writer() ? s.deadlineSlackMillis() + "ms" : "-", s.lagBytes() == null ? "-" : s.lagBytes() + "B",
                s.connections(), s.statements(), s.errors(), s.versionsInUse().isEmpty() ? "-" : s.versionsInUse(),
                age(s.at(), now)));
    }

    static ArrayNode proxiesJson(Map<EtcdKey.Proxy, ProxyStatus> statuses) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        statuses.forEach((k, s) -> {
            ObjectNode n = array.addObject();
            n.put("cluster", k.cluster());
            n.put("proxy", k.proxyId());
            n.put("lease", s.lease());
            n.put("mode", s.mode().text());
            n.put("writer", s.writer());
            n.put("epoch", s.epoch());
            n.put("deadline_slack_ms", s.deadlineSlackMillis());
            if (s.lagBytes() == null) {
                n.putNull("lag_bytes");
            } else {
                n.put("lag_bytes", s.lagBytes());
            }
            n.put("connections", s.connections());
            n.put("statements", s.statements());
            n.put("errors", s.errors());
            ObjectNode versions = n.putObject("versions_in_use");
            s.versionsInUse().forEach((v, c) -> versions.put(Integer.toString(v), c));
            n.put("at", s.at().toString());
        });
        return array;
    }

    static String age(Instant at, Instant now) {
        long ms = Math.max(0, Duration.between(at, now).toMillis());
        return ms < 10_000 ? String.format("%.1fs ago", ms / 1000.0) : ms / 1000 + "s ago";
    }

    /** Proxy statuses of the given clusters only. */
    static List<Map.Entry<EtcdKey.Proxy, ProxyStatus>> of(Map<EtcdKey.Proxy, ProxyStatus> statuses,
                                                           java.util.Collection<String> clusters) {
        List<Map.Entry<EtcdKey.Proxy, ProxyStatus>> list = new ArrayList<>();
        statuses.entrySet().stream().filter(e -> clusters.contains(e.getKey().cluster())).forEach(list::add);
        return list;
    }

    /** Picocli converter for {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = io.fenceline.control.fleet.FleetConfigLoader.parseDuration(value);
            if (d == null || d.isNegative()) {
                throw new TypeConversionException("'" + value + "' is not a duration such as 500ms, 30s, 2m or 1h");
            }
            return d;
        }
    }
}
