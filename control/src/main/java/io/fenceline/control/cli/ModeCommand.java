package io.fenceline.control.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fenceline.config.coordination.StoredEntry;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.control.rollout.Audit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code fenceline mode}: the operator's override of a cluster's write mode ({@code …/clusters/{c}/mode}),
 * for one cluster, several, or every cluster of the group. Prints what it changed, then waits until every
 * proxy of those clusters reports the new mode, and prints the proxies' status records. Without a mode it
 * only shows the modes and the proxies.
 */
@Command(name = "mode", description = {"Set a cluster's write mode, or every cluster's of the group when no --cluster"
        + " is given: read-only (writes get 25006), paused (writes wait, bounded, then 57014) or writable (clears the"
        + " override: writes are allowed where the writer lease is held). Without MODE, show the modes and the"
        + " proxies' reports. Each change is an audit record.",
        "Exit 0 done and every proxy of the clusters reports the mode; 2 bad input (unknown mode or cluster); 3 etcd"
                + " unreachable; 9 written, but a proxy did not report the mode within --wait (or none reports)."})
final class ModeCommand extends OperatorCommand {

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODE", description = "read-only | paused | writable")
    String modeText;

    @Option(names = {"--cluster", "-c"}, paramLabel = "C", split = ",",
            description = "the cluster(s) to change (repeat or comma-separate); default: every cluster of the group")
    List<String> clusters;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (kept in the audit record)")
    String reason;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "how long to wait for the proxies to report the new mode; default ${DEFAULT-VALUE}")
    Duration wait;

    @Option(names = "--force", description = "also act on a cluster neither the configuration nor etcd knows")
    boolean force;

    @Override
    int run(ControlSession session) throws Exception {
        if (!validGroup(session)) {
            return ExitCodes.BAD_INPUT;
        }
        String group = group(session);
        Mode target = null;
        if (modeText != null) {
            target = Mode.tryParse(modeText).orElse(null);
            if (target == null) {
                err().println("fenceline mode: '" + modeText + "' is not a mode: use read-only, paused or writable");
                return ExitCodes.BAD_INPUT;
            }
        }
        TreeSet<String> known = knownClusters(session);
        List<String> chosen = new ArrayList<>();
        if (clusters == null || clusters.isEmpty()) {
            chosen.addAll(known);
            if (chosen.isEmpty()) {
                err().println("fenceline mode: group " + group + " has no known cluster (none in " + session.config.source()
                        + " for this group, none in etcd); name one with --cluster");
                return ExitCodes.BAD_INPUT;
            }
        } else {
            for (String c : clusters) {
                if (!io.fenceline.config.keys.EtcdKeys.isValidName(c)) {
                    err().println("fenceline mode: cluster '" + c + "' is not a valid name");
                    return ExitCodes.BAD_INPUT;
                }
                if (!known.contains(c) && !force) {
                    err().println("fenceline mode: cluster '" + c + "' is unknown in group " + group + " (known: "
                            + (known.isEmpty() ? "none" : String.join(", ", known)) + "); check the name, or pass --force");
                    return ExitCodes.BAD_INPUT;
                }
                if (!chosen.contains(c)) {
                    chosen.add(c);
                }
            }
        }
        return target == null ? show(session, group, chosen) : change(session, group, chosen, target);
    }

    private int show(ControlSession session, String group, List<String> chosen) {
        var store = session.etcd.store();
        Map<String, String> modes = new LinkedHashMap<>();
        for (String c : chosen) {
            modes.put(c, modeText(store.getEntry(session.etcd.keys().mode(group, c)).join()));
        }
        Map<EtcdKey.Proxy, ProxyStatus> statuses = filter(store.proxyStatuses(group).join(), chosen);
        if (json) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("group", group);
            ObjectNode m = root.putObject("modes");
            modes.forEach(m::put);
            root.set("proxies", proxiesJson(statuses));
            out().println(root.toPrettyString());
        } else {
            out().println("group " + group + ":");
            modes.forEach((c, m) -> out().println("  " + c + ": " + m));
            printProxies(out(), statuses, Instant.now());
        }
        return ExitCodes.OK;
    }

    private int change(ControlSession session, String group, List<String> chosen, Mode target)
            throws InterruptedException {
        var store = session.etcd.store();
        var keys = session.etcd.keys();
        Audit audit = audit(session);
        ArrayNode changes = Json.MAPPER.createArrayNode();
        if (!json) {
            out().println("group " + group + ": " + target.text() + " on " + String.join(", ", chosen)
                    + (reason == null ? "" : " (" + reason + ")"));
        }
        for (String c : chosen) {
            String key = keys.mode(group, c);
            Optional<StoredEntry> before = store.getEntry(key).join();
            String previous = modeText(before);
            boolean unchanged = before.isPresent() && Mode.tryParse(before.get().value()).orElse(null) == target
                    || before.isEmpty() && target == Mode.WRITABLE;
            long revision;
            String how;
            if (target == Mode.WRITABLE) {
                // Absent means writable: clearing the override leaves nothing behind to forget later.
                revision = 0;
                if (before.isPresent()) {
                    store.delete(key).join();
                }
                how = before.isPresent() ? "override cleared" : "no override to clear";
            } else {
                revision = store.putText(key, target.text()).join();
                how = "set";
            }
            audit.record("operator-mode", c, "mode", target.text(), "previous", previous, "how", how,
                    "reason", reason == null ? "(none given)" : reason);
            ObjectNode n = changes.addObject();
            n.put("cluster", c).put("previous", previous).put("mode", target.text()).put("changed", !unchanged)
                    .put("how", how).put("revision", revision);
            if (!json) {
                out().println("  " + c + ": " + (unchanged ? "already " + target.text()
                        : previous + " -> " + target.text() + " (" + how
                        + (revision > 0 ? ", etcd revision " + revision : "") + ")"));
                out().flush();
            }
        }

        long started = System.nanoTime();
        long deadline = started + wait.toNanos();
        Map<EtcdKey.Proxy, ProxyStatus> statuses;
        List<String> unconfirmed;
        while (true) {
            statuses = filter(store.proxyStatuses(group).join(), chosen);
            unconfirmed = unconfirmed(statuses, chosen, target);
            if (unconfirmed.isEmpty() || System.nanoTime() - deadline >= 0) {
                break;
            }
            Thread.sleep(50);
        }
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        int code = unconfirmed.isEmpty() ? ExitCodes.OK : ExitCodes.UNCONFIRMED;
        if (json) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("group", group);
            root.put("mode", target.text());
            root.set("changes", changes);
            root.set("proxies", proxiesJson(statuses));
            root.put("confirmed", unconfirmed.isEmpty());
            ArrayNode u = root.putArray("unconfirmed");
            unconfirmed.forEach(u::add);
            root.put("waited_ms", waitedMs);
            root.put("exit", code);
            out().println(root.toPrettyString());
            return code;
        }
        out().println("proxies after " + waitedMs + " ms:");
        printProxies(out(), statuses, Instant.now());
        if (unconfirmed.isEmpty()) {
            out().println("confirmed: every proxy of " + String.join(", ", chosen) + " reports " + target.text());
        } else {
            out().println("NOT CONFIRMED within " + wait.toMillis() + " ms: " + String.join("; ", unconfirmed)
                    + ". The mode key is written; a proxy applies it when it reads it (check the proxy, or run"
                    + " 'fenceline mode' again to look).");
        }
        return code;
    }

    /** What keeps the change from being confirmed: proxies reporting another mode, clusters without proxies. */
    static List<String> unconfirmed(Map<EtcdKey.Proxy, ProxyStatus> statuses, List<String> clusters, Mode target) {
        List<String> problems = new ArrayList<>();
        for (String c : clusters) {
            List<Map.Entry<EtcdKey.Proxy, ProxyStatus>> proxies = of(statuses, List.of(c));
            if (proxies.isEmpty()) {
                problems.add(c + " has no proxy reporting");
            }
            for (Map.Entry<EtcdKey.Proxy, ProxyStatus> e : proxies) {
                if (e.getValue().mode() != target) {
                    problems.add("proxy " + c + "/" + e.getKey().proxyId() + " still reports " + e.getValue().mode().text());
                }
            }
        }
        return problems;
    }

    private static Map<EtcdKey.Proxy, ProxyStatus> filter(Map<EtcdKey.Proxy, ProxyStatus> all, List<String> clusters) {
        Map<EtcdKey.Proxy, ProxyStatus> out = new LinkedHashMap<>();
        of(all, clusters).forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }
}
