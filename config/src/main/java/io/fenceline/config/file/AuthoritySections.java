package io.fenceline.config.file;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.group.ControlDatabase;
import io.fenceline.config.group.Failover;
import io.fenceline.config.group.FenceTriggers;
import io.fenceline.config.group.GroupSettings;
import io.fenceline.config.keys.EtcdKeys;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code etcd:} and {@code group:} sections of the proxy's file (the write authority); the etcd
 * access keys ({@code user}, {@code password}/{@code password_file}, {@code tls}) through {@link EtcdAccessSection}. Values are
 * validated by {@link EtcdSettings#problems}, {@link GroupSettings#problems} and
 * {@link ControlDatabase#problems}; their problems are reported with the file's key names.
 *
 * <pre>
 * etcd:
 *   endpoints: [http://10.0.0.1:2379, http://10.0.0.2:2379, http://10.0.0.3:2379]
 *   prefix: /fenceline          # optional
 *   lease_ttl: 5s                # optional, whole seconds
 *   rho: 0.01                   # optional, clock-rate drift bound
 *   margin: 500ms               # optional, subtracted from every deadline
 *   request_timeout: 1s          # optional
 *   user: proxy                 # optional etcd authentication, with password or password_file
 *   password_file: /etc/fenceline/etcd-password
 *   tls: { ca: ca.pem, certificate: client.pem, key: client.key }   # optional, for https:// endpoints
 * group:
 *   name: main
 *   cluster: eu
 *   proxy_id: eu-1
 *   preferred: eu
 *   candidates: [eu, us]
 *   failover: manual            # or automatic
 *   max_lag_bytes: 16MiB          # optional
 *   pause_bound: 10s             # optional
 *   handoff_timeout: 30s         # optional
 *   status_interval: 1s          # optional
 *   fence:                      # the local database with control rights
 *     user: postgres
 *     password: secret          # or password_file; absent with trust/peer authentication
 *     database: postgres        # optional; with the upstream's host and port when jdbc_url is absent
 *     jdbc_url: jdbc:postgresql://127.0.0.1:5432/postgres   # optional (required with a socket upstream)
 *     subscription: from_us     # optional: logical-replication subscription bringing the writer's changes
 *     fence_timeout: 2s          # optional
 *     pool_size: 3               # optional
 *     triggers: true             # optional: the table triggers a session cannot lift
 *     exempt_roles: [postgres]   # optional: roles that may write on a fenced database (default: user)
 * </pre>
 */
final class AuthoritySections {

    /** The top-level keys this class reads. */
    static final Set<String> KEYS = Set.of("etcd", "group");

    private static final Set<String> ETCD_KEYS = union(Set.of("endpoints", "prefix", "lease_ttl", "rho", "margin",
            "request_timeout"), EtcdAccessSection.keys(EtcdAccessSection.PASSWORD_FILE));
    private static final Set<String> GROUP_KEYS = Set.of("name", "cluster", "proxy_id", "preferred", "candidates",
            "failover", "max_lag_bytes", "pause_bound", "handoff_timeout", "status_interval", "fence");
    private static final Set<String> FENCE_KEYS = Set.of("user", "password", "password_file", "database", "jdbc_url",
            "subscription", "fence_timeout", "pool_size", "triggers", "exempt_roles");

    private AuthoritySections() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    /** The {@code etcd:} section, empty when absent or invalid (problems recorded in {@code r}). */
    static Optional<ProxySettings.Etcd> etcd(NodeReader r, JsonNode root, Path baseDir) {
        Optional<JsonNode> section = r.section(root, "", "etcd", false);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        JsonNode n = section.get();
        int before = r.problems().size();
        r.rejectUnknown(n, "etcd", ETCD_KEYS);
        Optional<List<String>> endpoints = r.strings(n, "etcd", "endpoints", true);
        String prefix = r.string(n, "etcd", "prefix", false).orElse(EtcdKeys.DEFAULT_PREFIX);
        Duration ttl = r.duration(n, "etcd", "lease_ttl", Duration.ZERO, Duration.ofHours(1)).orElse(EtcdSettings.DEFAULT_TTL);
        double rho = r.decimal(n, "etcd", "rho", 0, 0.1).orElse(EtcdSettings.DEFAULT_RHO);
        Duration margin = r.duration(n, "etcd", "margin", Duration.ZERO, Duration.ofHours(1)).orElse(EtcdSettings.DEFAULT_MARGIN);
        Duration timeout = r.duration(n, "etcd", "request_timeout", Duration.ZERO, Duration.ofMinutes(1))
                .orElse(EtcdSettings.DEFAULT_REQUEST_TIMEOUT);
        if (endpoints.isPresent()) {
            report(r, EtcdSettings.problems(endpoints.get(), prefix, ttl, rho, margin, timeout), "etcd.", "etcd.");
        }

        Optional<EtcdAccess> access = EtcdAccessSection.read(r, n, "etcd", EtcdAccessSection.PASSWORD_FILE,
                endpoints, baseDir);
        if (r.problems().size() > before) {
            return Optional.empty();
        }
        return Optional.of(new ProxySettings.Etcd(
                new EtcdSettings(endpoints.orElseThrow(), prefix, ttl, rho, margin, timeout), access.orElseThrow()));
    }

    /**
     * The {@code group:} section, empty when absent or invalid (problems recorded in {@code r}).
     *
     * @param etcdGiven whether an {@code etcd:} section is present (a group needs one)
     * @param upstream  the relay's upstream, the fence's default address; null when it was invalid
     */
    static Optional<ProxySettings.Group> group(NodeReader r, JsonNode root, Path baseDir, boolean etcdGiven,
                                               ProxySettings.Upstream upstream) {
        Optional<JsonNode> section = r.section(root, "", "group", false);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        JsonNode n = section.get();
        int before = r.problems().size();
        if (!etcdGiven) {
            r.problem("etcd", "the group: section needs an etcd: section (where the writer lease is held)");
        }
        r.rejectUnknown(n, "group", GROUP_KEYS);
        String name = r.string(n, "group", "name", true).orElse(null);
        String cluster = r.string(n, "group", "cluster", true).orElse(null);
        String proxyId = r.string(n, "group", "proxy_id", true).orElse(null);
        String preferred = r.string(n, "group", "preferred", true).orElse(null);
        List<String> candidates = r.strings(n, "group", "candidates", true).orElse(null);
        Failover failover = null;
        Optional<String> failoverText = r.string(n, "group", "failover", false);
        if (failoverText.isEmpty()) {
            failover = n.has("failover") ? null : Failover.MANUAL;
        } else {
            failover = Failover.tryParse(failoverText.get()).orElse(null);
            if (failover == null) {
                r.problem("group.failover", "must be manual or automatic, found '" + failoverText.get() + "'");
            }
        }
        long maxLag = r.longSize(n, "group", "max_lag_bytes", 0, Long.MAX_VALUE).orElse(GroupSettings.DEFAULT_MAX_LAG_BYTES);
        Duration pauseBound = r.duration(n, "group", "pause_bound", Duration.ZERO, Duration.ofHours(1))
                .orElse(GroupSettings.DEFAULT_PAUSE_BOUND);
        Duration handoffTimeout = r.duration(n, "group", "handoff_timeout", Duration.ZERO, Duration.ofHours(1))
                .orElse(GroupSettings.DEFAULT_HANDOFF_TIMEOUT);
        Duration statusInterval = r.duration(n, "group", "status_interval", Duration.ZERO, Duration.ofHours(1))
                .orElse(GroupSettings.DEFAULT_STATUS_INTERVAL);
        if (name != null && cluster != null && proxyId != null && preferred != null && candidates != null
                && failover != null) {
            report(r, GroupSettings.problems(name, cluster, proxyId, preferred, candidates, failover, maxLag,
                    pauseBound, handoffTimeout, statusInterval), "group.", "group.");
        }

        ControlDatabase fence = null;
        FenceTriggers triggers = null;
        int poolSize = ProxySettings.Group.DEFAULT_FENCE_POOL_SIZE;
        Optional<JsonNode> fenceNode = r.section(n, "group", "fence", true);
        if (fenceNode.isPresent()) {
            JsonNode f = fenceNode.get();
            r.rejectUnknown(f, "group.fence", FENCE_KEYS);
            Optional<String> user = r.string(f, "group.fence", "user", true);
            Optional<String> password = EtcdAccessSection.password(r, f, "group.fence", EtcdAccessSection.PASSWORD_FILE, baseDir);
            String database = r.string(f, "group.fence", "database", false).orElse("postgres");
            Optional<String> jdbcUrl = r.string(f, "group.fence", "jdbc_url", false);
            if (jdbcUrl.isPresent() && f.has("database")) {
                r.problem("group.fence.database", "give either jdbc_url or database (with the upstream's address), not both");
            }
            if (jdbcUrl.isEmpty() && upstream instanceof ProxySettings.Upstream.UnixSocket) {
                r.problem("group.fence.jdbc_url", "is required when the upstream is a Unix-domain socket "
                        + "(pgJDBC connects over TCP)");
            }
            String url = jdbcUrl.orElse(upstream instanceof ProxySettings.Upstream.Tcp tcp ? jdbcUrl(tcp, database) : null);
            String subscription = r.string(f, "group.fence", "subscription", false).orElse(null);
            Duration fenceTimeout = r.duration(f, "group.fence", "fence_timeout", Duration.ZERO, Duration.ofMinutes(10))
                    .orElse(ControlDatabase.DEFAULT_FENCE_TIMEOUT);
            poolSize = r.integer(f, "group.fence", "pool_size", false, 2, 20).orElse(poolSize);
            if (url != null && user.isPresent()) {
                report(r, ControlDatabase.problems(url, user.get(), subscription, fenceTimeout), "database.", "group.fence.");
                boolean on = r.bool(f, "group.fence", "triggers").orElse(true);
                List<String> exempt = r.strings(f, "group.fence", "exempt_roles", false).orElse(List.of(user.get()));
                report(r, FenceTriggers.problems(exempt), "fence.", "group.fence.");
                if (r.problems().size() == before) {
                    fence = new ControlDatabase(url, user.get(), password.orElse(null), subscription, fenceTimeout);
                    triggers = new FenceTriggers(on, exempt);
                }
            }
        }
        if (r.problems().size() > before || fence == null) {
            return Optional.empty();
        }
        return Optional.of(new ProxySettings.Group(new GroupSettings(name, cluster, proxyId, preferred, candidates,
                failover, maxLag, pauseBound, handoffTimeout, statusInterval), fence, poolSize, triggers));
    }

    private static String jdbcUrl(ProxySettings.Upstream.Tcp tcp, String database) {
        String host = tcp.host().contains(":") && !tcp.host().startsWith("[") ? "[" + tcp.host() + "]" : tcp.host();
        return "jdbc:postgresql://" + host + ":" + tcp.port() + "/" + database;
    }

    /**
     * Records {@code problems} ("setting: message" as the settings records word them), renaming the
     * setting's {@code from} prefix to the file's {@code to} prefix.
     */
    private static void report(NodeReader r, List<String> problems, String from, String to) {
        for (String p : problems) {
            int colon = p.indexOf(": ");
            String setting = colon < 0 ? "" : p.substring(0, colon);
            String message = colon < 0 ? p : p.substring(colon + 2);
            if (setting.startsWith(from)) {
                setting = to + setting.substring(from.length());
            }
            r.problem(setting, message);
        }
    }
}
