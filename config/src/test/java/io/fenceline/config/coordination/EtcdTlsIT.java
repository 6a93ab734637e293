package io.fenceline.config.coordination;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A coordinator with {@link EtcdAccess.Tls} against a real etcd serving {@code https://} with client-certificate
 * authentication (certificates made with openssl): with the CA and a client certificate it stores and reads;
 * with the CA alone etcd refuses the connection.
 */
class EtcdTlsIT {

    @TempDir
    static Path dir;
    private static Process etcd;
    private static String endpoint;

    @BeforeAll
    static void start() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=fenceline-test-ca");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        for (String name : List.of("server", "client")) {
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
            openssl("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
            openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", name + ".crt", "-days", "2", "-extfile", "san.ext");
        }
        int client = freePort();
        int peer = freePort();
        endpoint = "https://127.0.0.1:" + client;
        etcd = new ProcessBuilder("etcd", "--name", "tls0", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-cluster", "tls0=http://127.0.0.1:" + peer,
                "--cert-file", dir.resolve("server.crt").toString(), "--key-file", dir.resolve("server.key").toString(),
                "--trusted-ca-file", dir.resolve("ca.crt").toString(), "--client-cert-auth")
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (etcd != null) {
            etcd.destroy();
            if (!etcd.waitFor(10, TimeUnit.SECONDS)) {
                etcd.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: "
                    + Files.readString(dir.resolve("openssl.log")));
        }
    }

    private static EtcdSettings settings() {
        return EtcdSettings.defaults(List.of(endpoint)).withRequestTimeout(Duration.ofSeconds(2));
    }

    @Test
    void aClientCertificateSignedByTheCaIsAcceptedAndTheCaAloneIsNot() throws Exception {
        EtcdAccess mutual = new EtcdAccess(Optional.empty(), Optional.of(new EtcdAccess.Tls(
                Optional.of(dir.resolve("ca.crt")), Optional.of(dir.resolve("client.crt")),
                Optional.of(dir.resolve("client.key")))));
        try (Coordinator c = Coordinator.connect(settings(), mutual, MonotonicClock.SYSTEM)) {
            // etcd may still be starting: retry the first write for a bounded time.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    c.store().putText("/fenceline/tls-probe", "yes").get(5, TimeUnit.SECONDS);
                    break;
                } catch (ExecutionException | TimeoutException e) {
                    if (System.nanoTime() - end > 0) {
                        throw new AssertionError("etcd over TLS never accepted a write; its log:\n"
                                + Files.readString(dir.resolve("etcd.log")), e);
                    }
                    Thread.sleep(200);
                }
            }
            assertEquals("yes", c.store().getEntry("/fenceline/tls-probe").get(5, TimeUnit.SECONDS).orElseThrow().value());
        }
        EtcdAccess caOnly = new EtcdAccess(Optional.empty(), Optional.of(new EtcdAccess.Tls(
                Optional.of(dir.resolve("ca.crt")), Optional.empty(), Optional.empty())));
        try (Coordinator c = Coordinator.connect(settings(), caOnly, MonotonicClock.SYSTEM)) {
            assertThrows(Exception.class, () -> c.store().putText("/fenceline/tls-probe", "no").get(5, TimeUnit.SECONDS));
        }
    }
}
