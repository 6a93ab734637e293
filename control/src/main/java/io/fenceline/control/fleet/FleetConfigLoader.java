package io.fenceline.control.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.file.ConfigProblem;
import io.fenceline.config.file.EtcdAccessSection;
import io.fenceline.config.file.KeySpelling;
import io.fenceline.config.keys.EtcdKeys;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads control's YAML configuration and reports every problem at once, each as {@code file: key: what}.
 * Unknown keys are problems (a typo must not silently fall back to a default). A password may come from
 * the environment ({@code password_env}) instead of the file.
 *
 * <pre>
 * group: main
 * instance: control-a                 # default: host and pid
 * etcd: {endpoints: [http://127.0.0.1:2379], prefix: /fenceline, lease_ttl: 5s, request_timeout: 1s}
 *   # optional, read by EtcdAccessSection as in the proxy's file (relative paths: against this file's folder):
 *   #   user: fenceline-control, password: ... or password_file: /etc/fenceline/etcd/password,
 *   #   tls: {ca: ca.crt, certificate: tls.crt, key: tls.key}   (endpoints then all https://)
 * clusters:
 *   - {name: eu, jdbc_url: "jdbc:postgresql://db-eu:5432/app", user: fenceline, password_env: EU_PW}
 * waves: [[eu], [us, ap]]             # the first wave is the canary
 * scratch_url: jdbc:postgresql://scratch:5432/app?user=fenceline   # optional: lint at preflight
 * policies: {auto_rollback: true, max_lag_bytes: 16777216, gate_timeout: 30s, drain_timeout: 10m,
 *            require_proxies: true, baseline_version: 0,
 *            error_window: 10s, error_max_rise: 0.01, error_min_statements: 100,   # error_window: off disables
 *            writer_order: auto,             # or as-configured
 *            verify: [after_wave, after_writer_change],   # default off
 *            on_divergence: halt,            # or writer_wins, report_only
 *            cooldown: {expand: 30m},        # or one duration; see CalendarSection
 *            windows: [{days: [mon-fri], from: "09:00", to: "17:00", zone: Europe/Berlin}]}
 * </pre>
 */
public final class FleetConfigLoader {

    /** Outcome of loading: a configuration, or every problem found. */
    public sealed interface Result {
        /** The file is valid. */
        record Loaded(FleetConfig config) implements Result {}

        /** Every problem, each naming file and key. */
        record Invalid(List<String> problems) implements Result {}
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Set<String> TOP = Set.of("group", "instance", "etcd", "clusters", "waves", "scratch_url",
            "policies");
    private static final Set<String> ETCD = union(Set.of("endpoints", "prefix", "lease_ttl", "request_timeout", "rho",
            "margin"), EtcdAccessSection.keys(EtcdAccessSection.PASSWORD_FILE));
    private static final Set<String> CLUSTER = Set.of("name", "jdbc_url", "user", "password", "password_env");
    private static final Set<String> POLICIES = Set.of("auto_rollback", "max_lag_bytes", "gate_timeout",
            "drain_timeout", "require_proxies", "baseline_version", "error_window", "error_max_rise",
            "error_min_statements", "writer_order", "verify", "on_divergence",
            "cooldown", "windows");

    private FleetConfigLoader() {
    }

    /** Reads and validates {@code file}. */
    public static Result load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new Result.Invalid(List.of(file + ": cannot read: " + e));
        }
        return parse(file.toString(), text, System::getenv, file.toAbsolutePath().getParent());
    }

    /**
     * Validates {@code text} read from {@code source}; {@code env} resolves {@code password_env}; relative
     * etcd credential and certificate paths resolve against the working directory.
     */
    public static Result parse(String source, String text, Function<String, String> env) {
        return parse(source, text, env, null);
    }

    /**
     * Validates {@code text} read from {@code source}; {@code env} resolves {@code password_env}.
     *
     * @param baseDir directory relative etcd credential and certificate paths resolve against (the file's
     *                folder); null for the working directory
     */
    public static Result parse(String source, String text, Function<String, String> env, Path baseDir) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            return new Result.Invalid(List.of(source + ": not valid YAML: " + e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            return new Result.Invalid(List.of(source + ": expected a mapping at the top level"));
        }
        Problems p = new Problems(source);
        p.unknown(root, "", TOP);

        String group = p.name(root, "group", true);
        String instance = root.has("instance") ? p.text(root, "instance", true) : defaultInstance();

        EtcdSettings etcd = etcd(root.path("etcd"), p);
        EtcdAccess access = access(root.path("etcd"), baseDir, p);

        List<ClusterConfig> clusters = new ArrayList<>();
        JsonNode clusterNodes = root.path("clusters");
        if (!clusterNodes.isArray() || clusterNodes.isEmpty()) {
            p.add("clusters", "a non-empty list of clusters is required");
        } else {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < clusterNodes.size(); i++) {
                JsonNode c = clusterNodes.get(i);
                String key = "clusters[" + i + "]";
                if (!c.isObject()) {
                    p.add(key, "must be a mapping with name, jdbc_url, user");
                    continue;
                }
                p.unknown(c, key + ".", CLUSTER);
                String name = p.name(c, key + ".name", "name", true);
                if (name != null && !names.add(name)) {
                    p.add(key + ".name", "cluster '" + name + "' is declared twice");
                }
                String url = p.text(c, key + ".jdbc_url", "jdbc_url", true);
                if (url != null && !url.startsWith("jdbc:postgresql:")) {
                    p.add(key + ".jdbc_url", "must start with jdbc:postgresql:, got '" + url + "'");
                }
                String user = p.text(c, key + ".user", "user", true);
                String password = c.has("password") ? p.text(c, key + ".password", "password", true) : null;
                if (c.has("password_env")) {
                    if (password != null) {
                        p.add(key + ".password_env", "give password or password_env, not both");
                    }
                    String var = p.text(c, key + ".password_env", "password_env", true);
                    if (var != null) {
                        password = env.apply(var);
                        if (password == null) {
                            p.add(key + ".password_env", "environment variable " + var + " is not set");
                        }
                    }
                }
                clusters.add(new ClusterConfig(name, url, user, password));
            }
        }

        List<List<String>> waves = waves(root.path("waves"), clusters, p);
        String scratch = root.has("scratch_url") ? p.text(root, "scratch_url", true) : null;
        if (scratch != null && !scratch.startsWith("jdbc:postgresql:")) {
            p.add("scratch_url", "must start with jdbc:postgresql:, got '" + scratch + "'");
        }
        Policies policies = policies(root.path("policies"), p);

        if (!p.list.isEmpty()) {
            return new Result.Invalid(p.list);
        }
        return new Result.Loaded(new FleetConfig(source, group, instance, clusters, waves, etcd, access, scratch,
                policies));
    }

    private static EtcdSettings etcd(JsonNode node, Problems p) {
        if (!node.isObject()) {
            p.add("etcd", "a mapping with at least endpoints is required");
            return null;
        }
        p.unknown(node, "etcd.", ETCD);
        List<String> endpoints = endpoints(node);
        String prefix = node.has("prefix") ? node.get("prefix").asText() : EtcdKeys.DEFAULT_PREFIX;
        Duration ttl = p.duration(node, "etcd.lease_ttl", "lease_ttl", EtcdSettings.DEFAULT_TTL);
        Duration timeout = p.duration(node, "etcd.request_timeout", "request_timeout",
                EtcdSettings.DEFAULT_REQUEST_TIMEOUT);
        Duration margin = p.duration(node, "etcd.margin", "margin", EtcdSettings.DEFAULT_MARGIN);
        double rho = node.has("rho") ? node.get("rho").asDouble(-1) : EtcdSettings.DEFAULT_RHO;
        if (ttl == null || timeout == null || margin == null) {
            return null;
        }
        List<String> problems = EtcdSettings.problems(endpoints, prefix, ttl, rho, margin, timeout);
        problems.forEach(problem -> p.list.add(p.source + ": " + problem));
        return problems.isEmpty() ? new EtcdSettings(endpoints, prefix, ttl, rho, margin, timeout) : null;
    }

    /** The access keys of {@code etcd:}, read as the proxy's loader reads them; null on problems. */
    private static EtcdAccess access(JsonNode node, Path baseDir, Problems p) {
        if (!node.isObject()) {
            return null;
        }
        EtcdAccessSection.Read read = EtcdAccessSection.read(p.source, node, "etcd",
                EtcdAccessSection.PASSWORD_FILE, endpoints(node), baseDir);
        for (ConfigProblem problem : read.problems()) {
            p.add(problem.key(), problem.message());
        }
        return read.access().orElse(null);
    }

    private static List<String> endpoints(JsonNode etcd) {
        List<String> endpoints = new ArrayList<>();
        JsonNode list = etcd.path("endpoints");
        if (list.isArray()) {
            list.forEach(e -> endpoints.add(e.asText()));
        } else if (list.isTextual()) {
            endpoints.add(list.asText());
        }
        return endpoints;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private static List<List<String>> waves(JsonNode node, List<ClusterConfig> clusters, Problems p) {
        List<List<String>> waves = new ArrayList<>();
        if (!node.isArray() || node.isEmpty()) {
            p.add("waves", "a non-empty list of waves (lists of cluster names; the first is the canary) is required");
            return waves;
        }
        Map<String, String> seen = new HashMap<>();
        Set<String> known = new HashSet<>();
        clusters.forEach(c -> known.add(c.name()));
        for (int i = 0; i < node.size(); i++) {
            JsonNode wave = node.get(i);
            List<String> names = new ArrayList<>();
            if (!wave.isArray() || wave.isEmpty()) {
                p.add("waves[" + i + "]", "must be a non-empty list of cluster names");
                waves.add(names);
                continue;
            }
            for (int j = 0; j < wave.size(); j++) {
                String name = wave.get(j).asText();
                String key = "waves[" + i + "][" + j + "]";
                if (!known.contains(name)) {
                    p.add(key, "'" + name + "' is not a cluster of this file (clusters: " + known + ")");
                } else if (seen.containsKey(name)) {
                    p.add(key, "'" + name + "' is already in " + seen.get(name));
                } else {
                    seen.put(name, key);
                }
                names.add(name);
            }
            waves.add(names);
        }
        for (ClusterConfig c : clusters) {
            if (c.name() != null && !seen.containsKey(c.name())) {
                p.add("waves", "cluster '" + c.name() + "' is in no wave");
            }
        }
        return waves;
    }

    private static Policies policies(JsonNode node, Problems p) {
        Policies d = Policies.DEFAULTS;
        if (node.isMissingNode() || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            p.add("policies", "must be a mapping");
            return d;
        }
        p.unknown(node, "policies.", POLICIES);
        boolean rollback = p.bool(node, "policies.auto_rollback", "auto_rollback", d.autoRollback());
        long lag = node.has("max_lag_bytes") ? node.get("max_lag_bytes").asLong(-1) : d.maxLagBytes();
        if (lag < 0) {
            p.add("policies.max_lag_bytes", "must be a whole number of bytes >= 0, got '"
                    + node.get("max_lag_bytes").asText() + "'");
        }
        // The calendar keys (cooldown, windows, gate_timeout as a mapping) are read by CalendarSection.
        CalendarSection.Read calendar = CalendarSection.read(node, p::add);
        Duration gate = node.path("gate_timeout").isObject()
                ? (calendar.gateTimeout() == null ? d.gateTimeout() : calendar.gateTimeout())
                : p.duration(node, "policies.gate_timeout", "gate_timeout", d.gateTimeout());
        Duration drain = p.duration(node, "policies.drain_timeout", "drain_timeout", d.drainTimeout());
        boolean proxies = p.bool(node, "policies.require_proxies", "require_proxies", d.requireProxies());
        int baseline = node.has("baseline_version") ? node.get("baseline_version").asInt(-1) : d.baselineVersion();
        if (baseline < 0) {
            p.add("policies.baseline_version", "must be an integer >= 0, got '"
                    + node.get("baseline_version").asText() + "'");
        }
        // YAML reads a bare `off` as the boolean false.
        JsonNode windowNode = node.path("error_window");
        String windowText = windowNode.isBoolean() && !windowNode.asBoolean() ? "off" : windowNode.asText("").strip();
        Duration errorWindow = windowText.equals("off") || windowText.matches("0+\\s*(ms|s|m|h)?") ? Duration.ZERO
                : p.duration(node, "policies.error_window", "error_window", d.errorWindow());
        double maxRise = d.errorMaxRise();
        if (node.has("error_max_rise")) {
            JsonNode rise = node.get("error_max_rise");
            maxRise = rise.isNumber() ? rise.asDouble() : -1;
            if (!(maxRise >= 0 && maxRise <= 1)) {
                p.add("policies.error_max_rise", "must be a fraction between 0 and 1 (0.01 = one percentage point),"
                        + " got '" + rise.asText() + "'");
            }
        }
        long minStatements = node.has("error_min_statements") ? node.get("error_min_statements").asLong(-1)
                : d.errorMinStatements();
        if (minStatements < 1) {
            p.add("policies.error_min_statements", "must be a whole number >= 1, got '"
                    + node.get("error_min_statements").asText() + "'");
        }
        Policies.WriterOrder writerOrder = d.writerOrder();
        if (node.has("writer_order")) {
            String text = node.get("writer_order").asText("").strip();
            writerOrder = null;
            for (Policies.WriterOrder o : Policies.WriterOrder.values()) {
                if (o.text().equals(text)) {
                    writerOrder = o;
                }
            }
            if (writerOrder == null) {
                p.add("policies.writer_order", "must be auto or as-configured, got '" + text + "'");
                writerOrder = d.writerOrder();
            }
        }
        return new Policies(rollback, lag, gate, drain, proxies, baseline, errorWindow, maxRise, minStatements,
                writerOrder, consistency(node, p), calendar.calendar());
    }

    /** {@code policies.verify} (a list of moments, or {@code off}) and {@code policies.on_divergence}. */
    private static Consistency consistency(JsonNode node, Problems p) {
        Consistency d = Consistency.DEFAULTS;
        Set<Consistency.VerifyAt> at = new HashSet<>(d.verifyAt());
        JsonNode verify = node.path("verify");
        if (!verify.isMissingNode() && !(verify.isBoolean() && !verify.asBoolean())
                && !verify.asText("").equals("off")) {
            at.clear();
            List<JsonNode> items = new ArrayList<>();
            if (verify.isArray()) {
                verify.forEach(items::add);
            } else {
                items.add(verify);
            }
            for (JsonNode item : items) {
                Consistency.VerifyAt found = null;
                for (Consistency.VerifyAt a : Consistency.VerifyAt.values()) {
                    if (a.text().equals(item.asText(""))) {
                        found = a;
                    }
                }
                if (found == null) {
                    p.add("policies.verify", "must be off, after_wave, after_writer_change or a list of them, got '"
                            + item.asText() + "'");
                } else {
                    at.add(found);
                }
            }
        } else if (!verify.isMissingNode()) {
            at.clear();
        }
        Consistency.OnDivergence on = d.onDivergence();
        if (node.has("on_divergence")) {
            on = Consistency.OnDivergence.parse(node.get("on_divergence").asText("").strip());
            if (on == null) {
                p.add("policies.on_divergence", "must be halt, writer_wins or report_only, got '"
                        + node.get("on_divergence").asText() + "'");
                on = d.onDivergence();
            }
        }
        return new Consistency(at, on);
    }

    /** Parses {@code 500ms}, {@code 5s}, {@code 10m}, {@code 1h}; null if malformed. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    private static String defaultInstance() {
        return ManagementFactory.getRuntimeMXBean().getName().replace('@', '-');
    }

    /** Collects problems as {@code file: key: message}. */
    private static final class Problems {
        final String source;
        final List<String> list = new ArrayList<>();

        Problems(String source) {
            this.source = source;
        }

        void add(String key, String message) {
            list.add(source + ": " + key + ": " + message);
        }

        void unknown(JsonNode node, String prefix, Set<String> allowed) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!allowed.contains(field)) {
                    add(prefix + field, KeySpelling.renamed(field, allowed).orElse(
                            "unknown key (known: " + new java.util.TreeSet<>(allowed) + ")"));
                }
            }
        }

        String text(JsonNode node, String key, boolean required) {
            return text(node, key, key, required);
        }

        String text(JsonNode node, String key, String field, boolean required) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
                if (required) {
                    add(key, "is required");
                }
                return null;
            }
            if (!v.isValueNode()) {
                add(key, "must be a single value");
                return null;
            }
            return v.asText();
        }

        String name(JsonNode node, String key, boolean required) {
            return name(node, key, key, required);
        }

        String name(JsonNode node, String key, String field, boolean required) {
            String value = text(node, key, field, required);
            if (value != null && !EtcdKeys.isValidName(value)) {
                add(key, "'" + value + "' is not a valid name (" + EtcdKeys.NAME_PATTERN + ")");
                return null;
            }
            return value;
        }

        Duration duration(JsonNode node, String key, String field, Duration fallback) {
            JsonNode v = node.get(field);
            if (v == null) {
                return fallback;
            }
            Duration d = parseDuration(v.asText());
            if (d == null || d.isZero()) {
                add(key, "'" + v.asText() + "' is not a positive duration like 500ms, 5s, 10m, 1h");
                return null;
            }
            return d;
        }

        boolean bool(JsonNode node, String key, String field, boolean fallback) {
            JsonNode v = node.get(field);
            if (v == null) {
                return fallback;
            }
            if (!v.isBoolean()) {
                add(key, "must be true or false, got '" + v.asText() + "'");
                return fallback;
            }
            return v.asBoolean();
        }
    }
}
