package io.fenceline.demo.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One proxy as a child process: {@code java -jar fenceline-proxy-<version>.jar proxy --config FILE}, the same
 * jar {@code bin/fenceline proxy} runs. Its output goes to {@code proxy.log} beside its configuration.
 */
public final class ProxyChild implements AutoCloseable {

    private final String cluster;
    private final int port;
    private final int adminPort;
    private final Path log;
    private final Process process;

    private ProxyChild(String cluster, int port, int adminPort, Path log, Process process) {
        this.cluster = cluster;
        this.port = port;
        this.adminPort = adminPort;
        this.log = log;
        this.process = process;
    }

    /**
     * Writes {@code yaml} to {@code dir/proxy.yaml}, starts the proxy and waits until it accepts connections.
     *
     * @throws IllegalStateException naming the cluster and the end of the proxy's log when it does not come up
     */
    public static ProxyChild start(String cluster, Path proxyJar, Path dir, String yaml, int port, int adminPort,
                            Duration timeout) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("proxy.yaml");
            Files.writeString(config, yaml);
            Path log = dir.resolve("proxy.log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC", "-Xms64m", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-Dfenceline.ioThreads=1",
                    "-jar", proxyJar.toString(), "proxy", "--config", config.toString()));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            ProxyChild child = new ProxyChild(cluster, port, adminPort, log, process);
            child.awaitListening(timeout);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the proxy of " + cluster + " from " + proxyJar, e);
        }
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the proxy of " + cluster + " exited with " + process.exitValue()
                        + " before listening on 127.0.0.1:" + port + "; end of " + log + ":\n" + logTail(30));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() - deadline > 0) {
                    close();
                    throw new IllegalStateException("the proxy of " + cluster + " did not listen on 127.0.0.1:" + port
                            + " within " + timeout + "; end of " + log + ":\n" + logTail(30), notYet);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while waiting for the proxy of " + cluster, e);
            }
        }
    }

    public String cluster() {
        return cluster;
    }

    /** Where clients connect. */
    public int port() {
        return port;
    }

    /** The admin HTTP port (/health, /ready, /metrics). */
    public int adminPort() {
        return adminPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last {@code lines} lines of the proxy's output. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Asks the proxy to stop (SIGTERM: it lets sessions finish within its shutdown grace) without waiting. */
    void terminate() {
        process.destroy();
    }

    /** SIGTERM (graceful), then SIGKILL if it has not exited after five seconds. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "proxy " + cluster + " (pid " + process.pid() + ", port " + port + ")";
    }
}
