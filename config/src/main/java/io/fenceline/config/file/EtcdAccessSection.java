package io.fenceline.config.file;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.config.coordination.EtcdAccess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads how a client proves itself to etcd out of an {@code etcd:} mapping: {@code user} with
 * {@code password} or a password file, and {@code tls: {ca, certificate, key}}. The proxy's loader and
 * control's fleet loader both read these keys with this class, so the rules and messages are the same (both
 * files spell keys in snake_case, see {@link KeySpelling}).
 *
 * <pre>
 * user: fenceline                 # optional etcd authentication, with password or the password file
 * password_file: /etc/fenceline/etcd/password
 * tls: { ca: ca.pem, certificate: client.pem, key: client.key }   # optional, for https:// endpoints
 * </pre>
 */
public final class EtcdAccessSection {

    /** The password-file key, in both files. */
    public static final String PASSWORD_FILE = "password_file";

    private static final Set<String> TLS_KEYS = Set.of("ca", "certificate", "key");

    /**
     * What reading found.
     *
     * @param access   the access when there was no problem (NONE when no key was given); empty otherwise
     * @param problems every problem, each naming the file and the dotted key
     */
    public record Read(Optional<EtcdAccess> access, List<ConfigProblem> problems) {
        public Read {
            Objects.requireNonNull(access, "access");
            problems = List.copyOf(problems);
        }
    }

    private EtcdAccessSection() {
    }

    /** The keys this class reads inside an {@code etcd:} mapping, with {@code passwordFileKey}'s spelling. */
    public static Set<String> keys(String passwordFileKey) {
        return Set.of("user", "password", passwordFileKey, "tls");
    }

    /**
     * Reads the access keys of {@code etcd} (other keys are the caller's to check).
     *
     * @param file            the file's name, for problems
     * @param etcd            the {@code etcd:} mapping
     * @param prefix          the mapping's dotted key, {@code etcd}
     * @param passwordFileKey {@link #PASSWORD_FILE} (or another key, for a section of the caller's)
     * @param endpoints       the endpoints the caller read (all must be {@code https://} with {@code tls}); null
     *                        when they were missing or invalid
     * @param baseDir         directory relative file paths resolve against; null resolves them against the
     *                        working directory
     */
    public static Read read(String file, JsonNode etcd, String prefix, String passwordFileKey, List<String> endpoints,
                            Path baseDir) {
        NodeReader r = new NodeReader(file);
        Optional<EtcdAccess> access = read(r, etcd, prefix, passwordFileKey, Optional.ofNullable(endpoints), baseDir);
        return new Read(access, r.problems());
    }

    /** As {@link #read(String, JsonNode, String, String, List, Path)}, recording problems in {@code r}. */
    static Optional<EtcdAccess> read(NodeReader r, JsonNode n, String prefix, String passwordFileKey,
                                     Optional<List<String>> endpoints, Path baseDir) {
        int before = r.problems().size();
        Optional<String> user = r.string(n, prefix, "user", false);
        Optional<String> password = password(r, n, prefix, passwordFileKey, baseDir);
        if (password.isPresent() && user.isEmpty()) {
            r.problem(prefix + ".user", "is required with " + prefix + ".password or " + prefix + "." + passwordFileKey);
        }
        if (user.isPresent() && password.isEmpty() && !n.has("password") && !n.has(passwordFileKey)) {
            r.problem(prefix + ".password", prefix + ".user needs " + prefix + ".password or " + prefix + "."
                    + passwordFileKey);
        }
        Optional<EtcdAccess.Tls> tls = Optional.empty();
        Optional<JsonNode> tlsNode = r.section(n, prefix, "tls", false);
        if (tlsNode.isPresent()) {
            JsonNode t = tlsNode.get();
            String tlsPrefix = prefix + ".tls";
            r.rejectUnknown(t, tlsPrefix, TLS_KEYS);
            Optional<Path> ca = file(r, t, tlsPrefix, "ca", baseDir);
            Optional<Path> cert = file(r, t, tlsPrefix, "certificate", baseDir);
            Optional<Path> key = file(r, t, tlsPrefix, "key", baseDir);
            if (t.has("certificate") != t.has("key")) {
                r.problem(tlsPrefix, "certificate and key go together: give both or neither");
            } else {
                tls = Optional.of(new EtcdAccess.Tls(ca, cert, key));
            }
            if (endpoints.isPresent() && endpoints.get().stream().anyMatch(e -> e.startsWith("http://"))) {
                r.problem(prefix + ".endpoints", tlsPrefix + " is configured, so every endpoint must start with https://");
            }
        }
        if (r.problems().size() > before) {
            return Optional.empty();
        }
        return Optional.of(new EtcdAccess(user.flatMap(u -> password.map(p -> new EtcdAccess.Credentials(u, p))), tls));
    }

    /** {@code password} or the first line of the password file ({@code passwordFileKey}), not both. */
    static Optional<String> password(NodeReader r, JsonNode n, String prefix, String passwordFileKey, Path baseDir) {
        if (n.has("password") && n.has(passwordFileKey)) {
            r.problem(prefix + ".password", "give either password or " + passwordFileKey + ", not both");
            return Optional.empty();
        }
        if (n.has("password")) {
            JsonNode value = n.get("password");
            if (!value.isTextual() && !value.isNumber()) {
                r.problem(prefix + ".password", "must be a string");
                return Optional.empty();
            }
            return Optional.of(value.asText());
        }
        Optional<Path> file = file(r, n, prefix, passwordFileKey, baseDir);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            String text = Files.readString(file.get());
            int eol = text.indexOf('\n');
            return Optional.of((eol < 0 ? text : text.substring(0, eol)).stripTrailing());
        } catch (IOException e) {
            r.problem(prefix + "." + passwordFileKey, "cannot read " + file.get() + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** A readable regular file, relative paths resolved against {@code baseDir}; empty when absent or bad. */
    static Optional<Path> file(NodeReader r, JsonNode n, String prefix, String key, Path baseDir) {
        Optional<String> raw = r.string(n, prefix, key, false);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        Path p = Path.of(raw.get());
        Path path = p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p);
        if (!Files.isRegularFile(path)) {
            r.problem(prefix + "." + key, "file does not exist: " + path);
            return Optional.empty();
        }
        if (!Files.isReadable(path)) {
            r.problem(prefix + "." + key, "file is not readable: " + path);
            return Optional.empty();
        }
        return Optional.of(path);
    }
}
