package io.fenceline.config.file;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the proxy's {@code tls:} section: TLS towards clients (certificate, key, client certificates) and
 * towards the server ({@code upstream}, with libpq's key names). Every problem is reported with its key; files
 * must exist and be readable here, their contents are checked when the proxy builds its TLS contexts.
 *
 * <pre>
 * tls:
 *   certificate: /etc/fenceline/tls/tls.crt    # answer SSLRequest with 'S' (PEM chain; with key)
 *   key: /etc/fenceline/tls/tls.key            # PEM PKCS#8
 *   client_ca: /etc/fenceline/tls/ca.crt       # optional: ask clients for a certificate signed by these
 *   client_certificate:                        # optional (needs client_ca): who must present one
 *     verify: verify-full                      # verify-ca | verify-full (CN = user name)
 *     users: [app, reporting]                  # or [all]
 *   upstream:                                  # optional: TLS to PostgreSQL
 *     sslmode: verify-full                     # disable | require | verify-ca | verify-full
 *     sslrootcert: /etc/fenceline/upstream/ca.crt
 *     sslcert: /etc/fenceline/upstream/tls.crt # optional, with sslkey: for cert authentication
 *     sslkey: /etc/fenceline/upstream/tls.key
 * </pre>
 */
final class TlsSection {

    static final String KEY = "tls";
    private static final Set<String> KEYS = Set.of("certificate", "key", "client_ca", "client_certificate", "upstream");
    private static final Set<String> CLIENT_KEYS = Set.of("verify", "users");
    private static final Set<String> UPSTREAM_KEYS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey");

    private TlsSection() {
    }

    /** The section, or empty when absent or invalid (problems are then in {@code r}). */
    static Optional<ProxySettings.Tls> read(NodeReader r, JsonNode root, Path baseDir, ProxySettings.Upstream upstream) {
        Optional<JsonNode> section = r.section(root, "", KEY, false);
        if (section.isEmpty()) {
            return Optional.empty();
        }
        JsonNode n = section.get();
        int before = r.problems().size();
        r.rejectUnknown(n, KEY, KEYS);
        Optional<ListenerTls> listener = listener(r, n, baseDir);
        UpstreamTls up = upstream(r, n, baseDir, upstream);
        if (r.problems().size() > before) {
            return Optional.empty();
        }
        return Optional.of(new ProxySettings.Tls(listener, up));
    }

    private static Optional<ListenerTls> listener(NodeReader r, JsonNode n, Path baseDir) {
        boolean hasListener = n.has("certificate") || n.has("key");
        if (!hasListener && !n.has("upstream")) {
            // Neither half: name what is missing (a tls: section that does nothing is a mistake).
            r.problem(KEY + ".certificate", "required key is missing (give certificate and key, or upstream)");
            r.problem(KEY + ".key", "required key is missing (give certificate and key, or upstream)");
            clientCertificates(r, n, n.has("client_ca")); // its own problems too: every problem at once
            return Optional.empty();
        }
        Optional<Path> certificate = EtcdAccessSection.file(r, n, KEY, "certificate", baseDir);
        Optional<Path> key = EtcdAccessSection.file(r, n, KEY, "key", baseDir);
        if (hasListener && !n.has("certificate")) {
            r.problem(KEY + ".certificate", "certificate and key go together: " + KEY + ".key is given, so is this");
        }
        if (hasListener && !n.has("key")) {
            r.problem(KEY + ".key", "certificate and key go together: " + KEY + ".certificate is given, so is this");
        }
        Optional<Path> clientCa = EtcdAccessSection.file(r, n, KEY, "client_ca", baseDir);
        if (n.has("client_ca") && !hasListener) {
            r.problem(KEY + ".client_ca", "asks clients for certificates during the TLS handshake, which needs "
                    + KEY + ".certificate and " + KEY + ".key");
        }
        ListenerTls.ClientCertificates required = clientCertificates(r, n, n.has("client_ca"));
        if (certificate.isEmpty() || key.isEmpty() || required == null) {
            return Optional.empty();
        }
        return Optional.of(new ListenerTls(certificate.get(), key.get(), clientCa, required));
    }

    private static ListenerTls.ClientCertificates clientCertificates(NodeReader r, JsonNode n, boolean hasCa) {
        String prefix = KEY + ".client_certificate";
        Optional<JsonNode> section = r.section(n, KEY, "client_certificate", false);
        if (section.isEmpty()) {
            return ListenerTls.ClientCertificates.NONE;
        }
        JsonNode c = section.get();
        r.rejectUnknown(c, prefix, CLIENT_KEYS);
        boolean ok = true;
        if (!hasCa) {
            r.problem(prefix, "needs " + KEY + ".client_ca, the authorities the certificates are verified against");
            ok = false;
        }
        ListenerTls.Verify verify = null;
        Optional<String> spelled = r.string(c, prefix, "verify", true);
        if (spelled.isPresent()) {
            for (ListenerTls.Verify v : ListenerTls.Verify.values()) {
                if (v.spelling().equals(spelled.get())) {
                    verify = v;
                }
            }
            if (verify == null) {
                r.problem(prefix + ".verify", "must be verify-ca or verify-full, found '" + spelled.get() + "'");
            }
        }
        Optional<List<String>> users = r.strings(c, prefix, "users", true);
        if (users.isPresent() && users.get().isEmpty()) {
            r.problem(prefix + ".users", "must name at least one user, or all");
            ok = false;
        }
        if (!ok || verify == null || users.isEmpty() || users.get().isEmpty()) {
            return null;
        }
        Set<String> named = new HashSet<>(users.get());
        boolean all = named.remove("all");
        return new ListenerTls.ClientCertificates(verify, named, all);
    }

    private static UpstreamTls upstream(NodeReader r, JsonNode n, Path baseDir, ProxySettings.Upstream upstream) {
        String prefix = KEY + ".upstream";
        Optional<JsonNode> section = r.section(n, KEY, "upstream", false);
        if (section.isEmpty()) {
            return UpstreamTls.DISABLED;
        }
        JsonNode u = section.get();
        r.rejectUnknown(u, prefix, UPSTREAM_KEYS);
        UpstreamTls.SslMode mode = null;
        Optional<String> spelled = r.string(u, prefix, "sslmode", true);
        if (spelled.isPresent()) {
            for (UpstreamTls.SslMode m : UpstreamTls.SslMode.values()) {
                if (m.spelling().equals(spelled.get())) {
                    mode = m;
                }
            }
            if (mode == null) {
                r.problem(prefix + ".sslmode", "must be disable, require, verify-ca or verify-full, found '"
                        + spelled.get() + "'" + (List.of("allow", "prefer").contains(spelled.get())
                        ? " (the proxy does not fall back to plain text: choose require or disable)" : ""));
            }
        }
        Optional<Path> root = EtcdAccessSection.file(r, u, prefix, "sslrootcert", baseDir);
        Optional<Path> cert = EtcdAccessSection.file(r, u, prefix, "sslcert", baseDir);
        Optional<Path> key = EtcdAccessSection.file(r, u, prefix, "sslkey", baseDir);
        if (u.has("sslcert") != u.has("sslkey")) {
            r.problem(prefix + (u.has("sslcert") ? ".sslkey" : ".sslcert"), "sslcert and sslkey go together: give both or neither");
        }
        if (mode != null && mode.verifiesCertificate() && !u.has("sslrootcert")) {
            r.problem(prefix + ".sslrootcert", "required with sslmode " + mode.spelling()
                    + ": the authorities the server's certificate is verified against");
        }
        if (mode == UpstreamTls.SslMode.DISABLE) {
            for (String unused : List.of("sslrootcert", "sslcert", "sslkey")) {
                if (u.has(unused)) {
                    r.problem(prefix + "." + unused, "has no effect with sslmode disable");
                }
            }
        }
        if (mode != null && mode != UpstreamTls.SslMode.DISABLE && upstream instanceof ProxySettings.Upstream.UnixSocket) {
            r.problem(prefix + ".sslmode", "PostgreSQL offers no TLS on a Unix-domain socket (upstream.socket): "
                    + "use disable, or a TCP upstream");
        }
        if (mode == null || u.has("sslcert") != u.has("sslkey")
                || (mode.verifiesCertificate() && root.isEmpty())
                || (u.has("sslcert") && (cert.isEmpty() || key.isEmpty()))) {
            return UpstreamTls.DISABLED;
        }
        return new UpstreamTls(mode, root, cert, key);
    }
}
