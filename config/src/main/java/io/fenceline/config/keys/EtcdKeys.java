package io.fenceline.config.keys;

import io.fenceline.config.records.Step;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Builds every etcd key of Fenceline's layout under one prefix (default {@value #DEFAULT_PREFIX}), and
 * parses a key back into an {@link EtcdKey}.
 *
 * <pre>
 * {prefix}/groups/{group}/writer
 * {prefix}/groups/{group}/window
 * {prefix}/groups/{group}/catalog/{version}
 * {prefix}/groups/{group}/clusters/{cluster}/mode
 * {prefix}/groups/{group}/clusters/{cluster}/acks/{version}/{step}
 * {prefix}/groups/{group}/clusters/{cluster}/proxies/{id}
 * {prefix}/groups/{group}/clusters/{cluster}/telemetry/{id}
 * {prefix}/groups/{group}/migration
 * {prefix}/groups/{group}/handoff
 * {prefix}/groups/{group}/handoff-progress
 * {prefix}/groups/{group}/wal
 * {prefix}/control/leader
 * {prefix}/audit/{group}/{seq}
 * </pre>
 *
 * <p>Names (group, cluster, proxy id) must match {@value #NAME_PATTERN}: they can never contain {@code /},
 * so a name cannot reach into another key. Versions are non-negative integers. Audit sequence numbers are
 * zero-padded to {@value #SEQ_DIGITS} digits so that etcd's byte order is numeric order.
 */
public final class EtcdKeys {

    /** The prefix used when the configuration names none. */
    public static final String DEFAULT_PREFIX = "/fenceline";
    /** What a group, cluster or proxy id may look like. */
    public static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}";
    /** Width of a zero-padded audit sequence number. */
    public static final int SEQ_DIGITS = 19;

    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);
    private static final Pattern PREFIX_SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");

    private final String prefix;

    /**
     * @param prefix absolute, without a trailing slash, segments of {@code [A-Za-z0-9._-]}, e.g. {@code /fenceline}
     * @throws IllegalArgumentException naming the prefix and what is wrong with it
     */
    public EtcdKeys(String prefix) {
        List<String> problems = prefixProblems(prefix);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("etcd key prefix '" + prefix + "': " + String.join("; ", problems));
        }
        this.prefix = prefix;
    }

    /** Keys under {@value #DEFAULT_PREFIX}. */
    public static EtcdKeys defaults() {
        return new EtcdKeys(DEFAULT_PREFIX);
    }

    /** Everything wrong with a prefix (empty when it is usable); for configuration validation. */
    public static List<String> prefixProblems(String prefix) {
        List<String> problems = new ArrayList<>();
        if (prefix == null || prefix.isEmpty()) {
            problems.add("must not be empty (default " + DEFAULT_PREFIX + ")");
            return problems;
        }
        if (!prefix.startsWith("/")) {
            problems.add("must start with '/'");
        }
        if (prefix.endsWith("/")) {
            problems.add("must not end with '/'");
        }
        if (prefix.contains("//")) {
            problems.add("must not contain an empty segment ('//')");
        }
        for (String segment : prefix.split("/")) {
            if (!segment.isEmpty() && !PREFIX_SEGMENT.matcher(segment).matches()) {
                problems.add("segment '" + segment + "' may only contain letters, digits, '.', '_' and '-'");
            }
        }
        return problems;
    }

    /** Whether {@code value} is a valid group, cluster or proxy id. */
    public static boolean isValidName(String value) {
        return value != null && NAME.matcher(value).matches();
    }

    /**
     * Checks a name that becomes a key segment.
     *
     * @param what what the name is ("group", "cluster", "proxy id"), used in the message
     * @throws IllegalArgumentException naming {@code what}, the value and the allowed pattern
     */
    public static String requireName(String what, String value) {
        if (!isValidName(value)) {
            throw new IllegalArgumentException(what + " name '" + value + "' is invalid: it must match "
                    + NAME_PATTERN + " (letters, digits, '.', '_', '-'; no '/'; at most 63 characters)");
        }
        return value;
    }

    /** The configured prefix, e.g. {@code /fenceline}. */
    public String prefix() {
        return prefix;
    }

    /** {@code {prefix}/groups/{group}/} — everything of one group. */
    public String groupPrefix(String group) {
        return prefix + "/groups/" + requireName("group", group) + "/";
    }

    /** The writer key of a group; lease-bound, its create revision is the epoch. */
    public String writer(String group) {
        return groupPrefix(group) + "writer";
    }

    /** The schema window of a group. */
    public String window(String group) {
        return groupPrefix(group) + "window";
    }

    /** The catalog of one schema version. */
    public String catalog(String group, int version) {
        return groupPrefix(group) + "catalog/" + requireVersion(version);
    }

    /** {@code …/groups/{group}/catalog/} — all catalogs of a group. */
    public String catalogPrefix(String group) {
        return groupPrefix(group) + "catalog/";
    }

    /** {@code …/groups/{group}/clusters/} — modes, acks and proxy statuses of every cluster. */
    public String clustersPrefix(String group) {
        return groupPrefix(group) + "clusters/";
    }

    /** {@code …/groups/{group}/clusters/{cluster}/}. */
    public String clusterPrefix(String group, String cluster) {
        return clustersPrefix(group) + requireName("cluster", cluster) + "/";
    }

    /** The operator's mode override of a cluster (plain text: writable | read-only | paused). */
    public String mode(String group, String cluster) {
        return clusterPrefix(group, cluster) + "mode";
    }

    /** A cluster's ack of one step of one version. */
    public String ack(String group, String cluster, int version, Step step) {
        if (step == null) {
            throw new IllegalArgumentException("ack key needs a step (expand, backfill or contract)");
        }
        return clusterPrefix(group, cluster) + "acks/" + requireVersion(version) + "/" + step.text();
    }

    /** {@code …/clusters/{cluster}/acks/} — every ack of a cluster. */
    public String acksPrefix(String group, String cluster) {
        return clusterPrefix(group, cluster) + "acks/";
    }

    /** A proxy's lease-bound status. */
    public String proxy(String group, String cluster, String proxyId) {
        return proxiesPrefix(group, cluster) + requireName("proxy id", proxyId);
    }

    /** {@code …/clusters/{cluster}/proxies/} — the proxies of one cluster. */
    public String proxiesPrefix(String group, String cluster) {
        return clusterPrefix(group, cluster) + "proxies/";
    }

    /** A proxy's lease-bound replication telemetry (lag in bytes and seconds, apply latency; see ReplicationTelemetry). */
    public String telemetry(String group, String cluster, String proxyId) {
        return clusterPrefix(group, cluster) + "telemetry/" + requireName("proxy id", proxyId);
    }

    /** The journal of the group's current migration run. */
    public String migration(String group) {
        return groupPrefix(group) + "migration";
    }

    /** An operator's planned-handoff request for the group's writer. */
    public String handoff(String group) {
        return groupPrefix(group) + "handoff";
    }

    /** Where the group's current planned handoff stands (written by the old writer and the target). */
    public String handoffProgress(String group) {
        return groupPrefix(group) + "handoff-progress";
    }

    /** The last writer's published WAL position; not lease-bound, so candidates can read it after a loss. */
    public String walPosition(String group) {
        return groupPrefix(group) + "wal";
    }

    /** Control's leader election key. */
    public String controlLeader() {
        return prefix + "/control/leader";
    }

    /** {@code {prefix}/audit/{group}/} — the audit records of a group, in sequence order. */
    public String auditPrefix(String group) {
        return prefix + "/audit/" + requireName("group", group) + "/";
    }

    /** One audit record; the sequence number is zero-padded so byte order is numeric order. */
    public String audit(String group, long seq) {
        if (seq < 1) {
            throw new IllegalArgumentException("audit sequence number must be >= 1, got " + seq);
        }
        return auditPrefix(group) + String.format("%0" + SEQ_DIGITS + "d", seq);
    }

    /**
     * Parses a key of this layout (with this prefix). Empty for any key that is not exactly one of the
     * layout's keys (another prefix, an unknown shape, an invalid name or number): a watch can then
     * ignore it and log it.
     */
    public Optional<EtcdKey> parse(String key) {
        if (key == null || !key.startsWith(prefix + "/")) {
            return Optional.empty();
        }
        String[] p = key.substring(prefix.length() + 1).split("/", -1);
        try {
            return Optional.ofNullable(parseSegments(p));
        } catch (IllegalArgumentException invalidSegment) {
            return Optional.empty();
        }
    }

    private static EtcdKey parseSegments(String[] p) {
        if (p.length == 2 && p[0].equals("control") && p[1].equals("leader")) {
            return new EtcdKey.ControlLeader();
        }
        if (p.length == 3 && p[0].equals("audit")) {
            return new EtcdKey.Audit(requireName("group", p[1]), parseSeq(p[2]));
        }
        if (p.length < 3 || !p[0].equals("groups")) {
            return null;
        }
        String group = requireName("group", p[1]);
        if (p.length == 3) {
            return switch (p[2]) {
                case "writer" -> new EtcdKey.Writer(group);
                case "window" -> new EtcdKey.Window(group);
                case "migration" -> new EtcdKey.Migration(group);
                case "handoff" -> new EtcdKey.Handoff(group);
                case "handoff-progress" -> new EtcdKey.HandoffProgress(group);
                case "wal" -> new EtcdKey.WalPosition(group);
                default -> null;
            };
        }
        if (p.length == 4 && p[2].equals("catalog")) {
            return new EtcdKey.Catalog(group, parseVersion(p[3]));
        }
        if (p.length < 5 || !p[2].equals("clusters")) {
            return null;
        }
        String cluster = requireName("cluster", p[3]);
        if (p.length == 5 && p[4].equals("mode")) {
            return new EtcdKey.Mode(group, cluster);
        }
        if (p.length == 6 && p[4].equals("proxies")) {
            return new EtcdKey.Proxy(group, cluster, requireName("proxy id", p[5]));
        }
        if (p.length == 6 && p[4].equals("telemetry")) {
            return new EtcdKey.Telemetry(group, cluster, requireName("proxy id", p[5]));
        }
        if (p.length == 7 && p[4].equals("acks")) {
            Optional<Step> step = Step.tryParse(p[6]);
            return step.map(s -> new EtcdKey.Ack(group, cluster, parseVersion(p[5]), s)).orElse(null);
        }
        return null;
    }

    private static int parseVersion(String text) {
        if (!DIGITS.matcher(text).matches() || text.length() > 9) {
            throw new IllegalArgumentException("not a version: " + text);
        }
        return Integer.parseInt(text);
    }

    private static long parseSeq(String text) {
        if (!DIGITS.matcher(text).matches()) {
            throw new IllegalArgumentException("not a sequence number: " + text);
        }
        long seq = Long.parseLong(text);
        if (seq < 1) {
            throw new IllegalArgumentException("not a sequence number: " + text);
        }
        return seq;
    }

    private static int requireVersion(int version) {
        if (version < 0) {
            throw new IllegalArgumentException("schema version must be >= 0, got " + version);
        }
        return version;
    }

    @Override
    public String toString() {
        return "EtcdKeys[" + prefix + "]";
    }
}
