package io.fenceline.config.file;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * TLS towards the proxy's clients: the certificate the proxy answers SSLRequest with, and optionally the
 * authority whose client certificates it asks for and which users must present one.
 *
 * @param certificate PEM certificate chain
 * @param key         PEM PKCS#8 private key
 * @param clientCa    PEM bundle of the authorities client certificates are verified against; when present the
 *                    proxy asks every TLS client for a certificate, and one that does not verify fails the
 *                    handshake (as PostgreSQL does with {@code ssl_ca_file})
 * @param required    which users must present a verified certificate, and how it is checked
 */
public record ListenerTls(Path certificate, Path key, Optional<Path> clientCa, ClientCertificates required) {

    public ListenerTls {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(clientCa, "clientCa");
        Objects.requireNonNull(required, "required");
        if (!required.users().isEmpty() && clientCa.isEmpty()) {
            throw new IllegalArgumentException("client certificates are required but no client_ca verifies them");
        }
    }

    /** A listener certificate without client certificates. */
    public ListenerTls(Path certificate, Path key) {
        this(certificate, key, Optional.empty(), ClientCertificates.NONE);
    }

    /** How a client certificate is checked, after the handshake verified it against the authority. */
    public enum Verify {
        /** Any certificate the authority signed (PostgreSQL's {@code clientcert=verify-ca}). */
        VERIFY_CA("verify-ca"),
        /** Also its CN must equal the user name of the StartupMessage ({@code clientcert=verify-full}). */
        VERIFY_FULL("verify-full");

        private final String spelling;

        Verify(String spelling) {
            this.spelling = spelling;
        }

        /** The configuration spelling, {@code verify-ca} or {@code verify-full}. */
        public String spelling() {
            return spelling;
        }
    }

    /**
     * Which users must present a client certificate.
     *
     * @param verify   how the certificate is checked
     * @param users    the user names that must present one; empty: nobody
     * @param allUsers every user must (the {@code all} keyword of pg_hba.conf)
     */
    public record ClientCertificates(Verify verify, Set<String> users, boolean allUsers) {
        /** Nobody must present a certificate. */
        public static final ClientCertificates NONE = new ClientCertificates(Verify.VERIFY_CA, Set.of(), false);

        public ClientCertificates {
            Objects.requireNonNull(verify, "verify");
            users = Set.copyOf(users);
        }

        /** True when {@code user} must present a certificate. */
        public boolean required(String user) {
            return allUsers || users.contains(user);
        }
    }
}
