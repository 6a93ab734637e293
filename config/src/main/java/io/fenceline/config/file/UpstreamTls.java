package io.fenceline.config.file;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS from the proxy to PostgreSQL, with libpq's {@code sslmode} meanings.
 *
 * @param mode            whether TLS is asked for and how the server's certificate is checked
 * @param rootCertificate PEM bundle the server's certificate is verified against ({@code sslrootcert});
 *                        required by {@code verify-ca} and {@code verify-full}
 * @param certificate     PEM client certificate the proxy presents ({@code sslcert}), for {@code cert}
 *                        authentication or {@code clientcert=} in pg_hba.conf
 * @param key             its PEM PKCS#8 key ({@code sslkey}); present exactly when {@code certificate} is
 */
public record UpstreamTls(SslMode mode, Optional<Path> rootCertificate, Optional<Path> certificate, Optional<Path> key) {

    /** Plain text to the server, as without a {@code tls.upstream} section. */
    public static final UpstreamTls DISABLED = new UpstreamTls(SslMode.DISABLE, Optional.empty(), Optional.empty(),
            Optional.empty());

    public UpstreamTls {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(rootCertificate, "rootCertificate");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        if (certificate.isPresent() != key.isPresent()) {
            throw new IllegalArgumentException("sslcert and sslkey go together");
        }
        if (mode.verifiesCertificate() && rootCertificate.isEmpty()) {
            throw new IllegalArgumentException("sslmode " + mode.spelling() + " needs sslrootcert");
        }
    }

    /** True unless the mode is {@code disable}. */
    public boolean enabled() {
        return mode != SslMode.DISABLE;
    }

    /** libpq's {@code sslmode} values the proxy supports towards the server. */
    public enum SslMode {
        /** Plain text; no SSLRequest is sent. */
        DISABLE("disable"),
        /** TLS or no connection; the server's certificate is not checked. */
        REQUIRE("require"),
        /** TLS, and the server's certificate must chain to {@code sslrootcert}. */
        VERIFY_CA("verify-ca"),
        /** As {@code verify-ca}, and the certificate must name the upstream host (SAN, else CN). */
        VERIFY_FULL("verify-full");

        private final String spelling;

        SslMode(String spelling) {
            this.spelling = spelling;
        }

        /** The libpq spelling. */
        public String spelling() {
            return spelling;
        }

        /** True for {@code verify-ca} and {@code verify-full}. */
        public boolean verifiesCertificate() {
            return this == VERIFY_CA || this == VERIFY_FULL;
        }
    }
}
