package io.fenceline.proxy;

import io.fenceline.config.file.ProxySettings;
import io.fenceline.testing.PostgresServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Settings and certificates for proxies started inside integration tests. */
public final class TestProxies {

    private TestProxies() {
    }

    /** Settings relaying to {@code pg} over TCP on a free port, with an admin endpoint on a free port. */
    public static ProxySettings settings(PostgresServer pg, Optional<ProxySettings.Tls> tls, int maxMessageLength,
                                         Duration startupTimeout, int maxConnections, Duration grace) {
        return new ProxySettings(new ProxySettings.Listen("127.0.0.1", 0),
                new ProxySettings.Upstream.Tcp(pg.host(), pg.port()), tls,
                new ProxySettings.Limits(maxMessageLength, startupTimeout, maxConnections),
                Optional.of(new ProxySettings.Admin("127.0.0.1", 0)), grace);
    }

    /** Default limits. */
    public static ProxySettings settings(PostgresServer pg) {
        return settings(pg, Optional.empty(), ProxySettings.Limits.DEFAULT_MAX_MESSAGE_LENGTH,
                Duration.ofSeconds(10), 200, Duration.ofSeconds(5));
    }

    /** A self-signed certificate and PKCS#8 key made with the openssl command in {@code dir}. */
    public static ProxySettings.Tls selfSignedCertificate(Path dir) throws IOException, InterruptedException {
        Path cert = dir.resolve("proxy.crt");
        Path key = dir.resolve("proxy.key");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost")
                .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl could not make a certificate: " + Files.readString(dir.resolve("openssl.log")));
        }
        return new ProxySettings.Tls(cert, key);
    }
}
