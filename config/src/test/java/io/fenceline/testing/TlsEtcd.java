package io.fenceline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One etcd member serving {@code https://127.0.0.1:port} with the server certificate of
 * {@link TestCertificates} and requiring a client certificate signed by its authority
 * ({@code --client-cert-auth}). {@link #start} returns once etcd logs that it serves clients.
 */
public final class TlsEtcd implements AutoCloseable, LogSource {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final String endpoint;
    private final Path log;

    private TlsEtcd(Process process, String endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    /** Starts etcd with its data and log in {@code dir}; fails with the log's tail when it does not come up. */
    public static TlsEtcd start(Path dir, TestCertificates certificates) {
        int[] ports = FreePorts.take(2);
        String endpoint = "https://127.0.0.1:" + ports[0];
        String peer = "http://127.0.0.1:" + ports[1];
        Path log = dir.resolve("etcd-tls.log");
        Process process;
        try {
            process = new ProcessBuilder("etcd", "--name", "tls0",
                    "--data-dir", dir.resolve("etcd-tls-data").toString(),
                    "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "tls0=" + peer,
                    "--cert-file", certificates.serverCertificate().toString(),
                    "--key-file", certificates.serverKey().toString(),
                    "--trusted-ca-file", certificates.ca().toString(), "--client-cert-auth")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start etcd with TLS on " + endpoint, e);
        }
        TlsEtcd etcd = new TlsEtcd(process, endpoint, log);
        try {
            etcd.awaitServing(ports[0]);
        } catch (RuntimeException e) {
            etcd.close();
            throw e;
        }
        return etcd;
    }

    private void awaitServing(int port) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd with TLS exited with " + process.exitValue() + ":\n" + logTail(40));
            }
            if (logSays("ready to serve client requests") && accepts(port)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("etcd with TLS did not serve " + endpoint + " within " + START_TIMEOUT
                        + ":\n" + logTail(40));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd with TLS on " + endpoint, e);
            }
        }
    }

    private boolean logSays(String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The client URL, {@code https://127.0.0.1:port}. */
    public String endpoint() {
        return endpoint;
    }

    /** The endpoint as a list, as settings take it. */
    public List<String> endpoints() {
        return List.of(endpoint);
    }

    @Override
    public String describe() {
        return "etcd (TLS) " + endpoint;
    }

    @Override
    public String logTail(int lines) {
        return Os.tail(log, lines);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
