package io.fenceline.config.coordination;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How a client proves itself to etcd and checks etcd's certificate: optional user and password (etcd's
 * authentication) and optional TLS files. {@link #NONE} is plain {@code http://} without authentication.
 *
 * @param credentials user and password for etcd's authentication; empty when etcd runs without auth
 * @param tls         CA bundle and optional client certificate for {@code https://} endpoints; empty for http
 */
public record EtcdAccess(Optional<Credentials> credentials, Optional<Tls> tls) {

    /** No authentication, no TLS. */
    public static final EtcdAccess NONE = new EtcdAccess(Optional.empty(), Optional.empty());

    public EtcdAccess {
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(tls, "tls");
    }

    /** An etcd user and its password. */
    public record Credentials(String user, String password) {
        public Credentials {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
        }

        /** Hides the password. */
        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=***]";
        }
    }

    /**
     * TLS towards etcd.
     *
     * @param ca          PEM bundle of the certificate authorities that signed etcd's server certificate; empty
     *                    trusts the JVM's default authorities
     * @param certificate PEM client certificate chain (etcd's {@code --client-cert-auth}); empty without
     * @param key         PEM PKCS#8 key of {@code certificate}; present exactly when {@code certificate} is
     */
    public record Tls(Optional<Path> ca, Optional<Path> certificate, Optional<Path> key) {
        public Tls {
            Objects.requireNonNull(ca, "ca");
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
            if (certificate.isPresent() != key.isPresent()) {
                throw new IllegalArgumentException("etcd.tls: certificate " + certificate + " and key " + key
                        + " go together: give both or neither");
            }
        }
    }
}
