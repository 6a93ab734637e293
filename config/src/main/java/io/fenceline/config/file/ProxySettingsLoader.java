package io.fenceline.config.file;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Loads {@link ProxySettings} from a YAML file. Every problem in the file is collected and returned
 * together as {@link ConfigResult.Invalid}, each naming the file and the dotted key.
 *
 * <pre>
 * listen:   { host: 0.0.0.0, port: 6432 }
 * upstream: { host: 127.0.0.1, port: 5432 }        # or { socket: /var/run/postgresql/.s.PGSQL.5432 }
 * tls:      { certificate: /etc/fenceline/tls.crt, key: /etc/fenceline/tls.key }   # optional
 * limits:   { max_message_length: 64MiB, startup_timeout: 60s, max_connections: 1000 }  # optional
 * admin:    { host: 0.0.0.0, port: 9187 }           # optional
 * shutdown_grace: 30s                                 # optional
 * inspection: { enabled: true, cache_megabytes: 32, offload_threshold: 2048 }      # optional, these are the defaults
 * etcd:  { endpoints: [...], ... }                   # optional; see AuthoritySections
 * group: { name: main, cluster: eu, ..., fence: { user: postgres } }   # optional: the write authority
 * schema:   { group: main, control_role: fenceline }  # optional: schema-version enforcement, see {@link SchemaSection}
 * </pre>
 */
public final class ProxySettingsLoader {

    /** Default time from accept until ready for queries. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /** Default bound on sessions finishing after SIGTERM. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    /** Default maximum of client connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1000;

    private static final Set<String> TOP = union(
            Set.of("listen", "upstream", "tls", "limits", "admin", "shutdown_grace", "inspection", SchemaSection.KEY),
            AuthoritySections.KEYS);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ProxySettingsLoader() {
    }

    /** Reads and validates {@code file}; an unreadable file is one problem, not an exception. */
    public static ConfigResult<ProxySettings> load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            return new ConfigResult.Invalid<>(List.of(new ConfigProblem(file.toString(), "",
                    "cannot read the file: " + e)));
        }
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    /**
     * Validates YAML text.
     *
     * @param yaml    the document
     * @param file    the name problems are reported against
     * @param baseDir directory that relative certificate paths resolve against
     */
    public static ConfigResult<ProxySettings> parse(String yaml, String file, Path baseDir) {
        NodeReader r = new NodeReader(file);
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            return new ConfigResult.Invalid<>(List.of(new ConfigProblem(file, "",
                    "not valid YAML: " + e.getOriginalMessage() + locationOf(e))));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new ConfigResult.Invalid<>(List.of(new ConfigProblem(file, "", "the file is empty")));
        }
        if (!root.isObject()) {
            return new ConfigResult.Invalid<>(List.of(new ConfigProblem(file, "", "the document must be a mapping")));
        }
        r.rejectUnknown(root, "", TOP);

        // listen
        JsonNode listenNode = r.section(root, "", "listen", true).orElse(null);
        r.rejectUnknown(listenNode, "listen", Set.of("host", "port"));
        Optional<String> listenHost = listenNode == null ? Optional.empty() : r.string(listenNode, "listen", "host", true);
        Optional<Integer> listenPort = listenNode == null ? Optional.empty() : r.port(listenNode, "listen", "port", true);

        // upstream: host+port xor socket
        JsonNode upNode = r.section(root, "", "upstream", true).orElse(null);
        r.rejectUnknown(upNode, "upstream", Set.of("host", "port", "socket"));
        ProxySettings.Upstream upstream = null;
        if (upNode != null) {
            boolean hasSocket = upNode.has("socket");
            boolean hasTcp = upNode.has("host") || upNode.has("port");
            if (hasSocket && hasTcp) {
                r.problem("upstream", "give either socket or host and port, not both");
            } else if (hasSocket) {
                Optional<String> socket = r.string(upNode, "upstream", "socket", true);
                if (socket.isPresent()) {
                    upstream = new ProxySettings.Upstream.UnixSocket(Path.of(socket.get()));
                }
            } else {
                Optional<String> host = r.string(upNode, "upstream", "host", true);
                Optional<Integer> port = r.integer(upNode, "upstream", "port", true, 1, 65535);
                if (host.isPresent() && port.isPresent()) {
                    upstream = new ProxySettings.Upstream.Tcp(host.get(), port.get());
                }
            }
        }

        // tls (optional)
        Optional<ProxySettings.Tls> tls = Optional.empty();
        Optional<JsonNode> tlsNode = r.section(root, "", "tls", false);
        if (tlsNode.isPresent()) {
            r.rejectUnknown(tlsNode.get(), "tls", Set.of("certificate", "key"));
            Optional<Path> cert = r.string(tlsNode.get(), "tls", "certificate", true)
                    .map(p -> readableFile(r, "tls.certificate", resolve(baseDir, p)));
            Optional<Path> key = r.string(tlsNode.get(), "tls", "key", true)
                    .map(p -> readableFile(r, "tls.key", resolve(baseDir, p)));
            if (cert.isPresent() && key.isPresent()) {
                tls = Optional.of(new ProxySettings.Tls(cert.get(), key.get()));
            }
        }

        // limits (optional, with defaults when absent)
        JsonNode limitsNode = r.section(root, "", "limits", false).orElse(null);
        r.rejectUnknown(limitsNode, "limits", Set.of("max_message_length", "startup_timeout", "max_connections"));
        int maxMessage = r.size(limitsNode, "limits", "max_message_length", 1024, 1L << 30)
                .orElse(ProxySettings.Limits.DEFAULT_MAX_MESSAGE_LENGTH);
        Duration startupTimeout = r.duration(limitsNode, "limits", "startup_timeout", Duration.ofMillis(100), Duration.ofHours(1))
                .orElse(DEFAULT_STARTUP_TIMEOUT);
        int maxConnections = r.integer(limitsNode, "limits", "max_connections", false, 1, 1_000_000)
                .orElse(DEFAULT_MAX_CONNECTIONS);

        // admin (optional)
        Optional<ProxySettings.Admin> admin = Optional.empty();
        Optional<JsonNode> adminNode = r.section(root, "", "admin", false);
        if (adminNode.isPresent()) {
            r.rejectUnknown(adminNode.get(), "admin", Set.of("host", "port"));
            String host = adminNode.get().has("host") ? r.string(adminNode.get(), "admin", "host", true).orElse(null) : "127.0.0.1";
            Optional<Integer> port = r.port(adminNode.get(), "admin", "port", true);
            if (host != null && port.isPresent()) {
                admin = Optional.of(new ProxySettings.Admin(host, port.get()));
            }
            if (port.isPresent() && listenPort.isPresent() && port.get() != 0 && port.get().equals(listenPort.get())) {
                r.problem("admin.port", "must differ from listen.port (" + listenPort.get() + ")");
            }
        }

        Duration grace = r.duration(root, "", "shutdown_grace", Duration.ZERO, Duration.ofHours(1))
                .orElse(DEFAULT_SHUTDOWN_GRACE);

        // inspection (optional, with defaults)
        JsonNode inspectionNode = r.section(root, "", "inspection", false).orElse(null);
        r.rejectUnknown(inspectionNode, "inspection", Set.of("enabled", "cache_megabytes", "offload_threshold"));
        boolean inspectionEnabled = r.bool(inspectionNode, "inspection", "enabled").orElse(true);
        int cacheMegabytes = r.integer(inspectionNode, "inspection", "cache_megabytes", false, 1, 65_536)
                .orElse(ProxySettings.Inspection.DEFAULT_CACHE_MEGABYTES);
        int offloadThreshold = r.integer(inspectionNode, "inspection", "offload_threshold", false, 0, 1 << 30)
                .orElse(ProxySettings.Inspection.DEFAULT_OFFLOAD_THRESHOLD);

        // etcd and group (optional: the write authority, see AuthoritySections)
        Optional<ProxySettings.Etcd> etcd = AuthoritySections.etcd(r, root, baseDir);
        Optional<ProxySettings.Group> group = AuthoritySections.group(r, root, baseDir, root.has("etcd"), upstream);
        Optional<SchemaSettings> schema = SchemaSection.read(r, root);
        // The write gate and the schema policy judge classified statements; with inspection off nothing is
        // classified, so a group would accept every write whoever holds the lease, and a schema every table.
        if (!inspectionEnabled) {
            for (String needsInspection : List.of("group", SchemaSection.KEY)) {
                if (root.has(needsInspection)) {
                    r.problem("inspection.enabled", "must be true with a " + needsInspection + ": section: with "
                            + "inspection off no statement is classified, so nothing would "
                            + (needsInspection.equals("group") ? "gate writes by the writer lease"
                            : "hold connections to their schema version")
                            + " (remove " + needsInspection + ": or set inspection.enabled: true)");
                }
            }
        }

        if (!r.problems().isEmpty()) {
            return new ConfigResult.Invalid<>(r.problems());
        }
        return new ConfigResult.Valid<>(new ProxySettings(
                new ProxySettings.Listen(listenHost.orElseThrow(), listenPort.orElseThrow()),
                upstream, tls,
                new ProxySettings.Limits(maxMessage, startupTimeout, maxConnections),
                admin, grace, new ProxySettings.Inspection(inspectionEnabled, cacheMegabytes, offloadThreshold),
                etcd, group, schema));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private static Path resolve(Path baseDir, String path) {
        Path p = Path.of(path);
        return p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p);
    }

    private static Path readableFile(NodeReader r, String key, Path path) {
        if (!Files.isRegularFile(path)) {
            r.problem(key, "file does not exist: " + path);
        } else if (!Files.isReadable(path)) {
            r.problem(key, "file is not readable: " + path);
        }
        return path;
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
}
