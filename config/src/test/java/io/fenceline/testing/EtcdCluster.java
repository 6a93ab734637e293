package io.fenceline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real etcd cluster of one or three members, each an {@code etcd} process on free loopback ports (client
 * and peer) with its own temporary data directory. Members can be stopped (SIGTERM), killed (SIGKILL),
 * paused (SIGSTOP), resumed (SIGCONT) and started again on the same data directory, where they rejoin.
 *
 * <p>{@link #start(int)} returns once every member reports healthy and a leader is elected; when a member
 * cannot start it throws with the reason and the member's log tail. {@link #close()} kills every member and
 * deletes the directories; a JVM shutdown hook does the same for clusters still open when the JVM exits.
 */
public final class EtcdCluster implements AutoCloseable, LogSource {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final List<Member> members = new ArrayList<>();
    private final Path baseDir;
    private volatile boolean closed;

    private EtcdCluster(Path baseDir) {
        this.baseDir = baseDir;
    }

    /** Starts a cluster of {@code size} members (1 or 3 usually) and waits until it is healthy. */
    public static EtcdCluster start(int size) {
        return builder().members(size).start();
    }

    /** Options of a cluster to start. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a cluster: member count, the binary, fixed client ports, start-up timeout. */
    public static final class Builder {
        private int size = 1;
        private Path binary;
        private int[] clientPorts;
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        public Builder members(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("an etcd cluster needs at least one member, got " + size);
            }
            this.size = size;
            return this;
        }

        /** Uses this etcd binary instead of {@code etcd} from the PATH. */
        public Builder binary(Path binary) {
            this.binary = binary;
            return this;
        }

        /** Fixed client ports, one per member (mostly for testing start-up failures). */
        public Builder clientPorts(int... ports) {
            this.clientPorts = ports.clone();
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Starts the members and waits until each one is healthy and the cluster has a leader.
         *
         * @throws IllegalStateException naming the member, the reason and its log tail when it cannot start
         */
        public EtcdCluster start() {
            // Automatically chosen ports can be taken by another process between probe and bind;
            // only that case is tried again, with new ports.
            int attempts = clientPorts == null ? 3 : 1;
            for (int attempt = 1; ; attempt++) {
                try {
                    return startOnce();
                } catch (IllegalStateException e) {
                    boolean portRace = e.getMessage() != null && e.getMessage().contains("address already in use");
                    if (!portRace || attempt >= attempts) {
                        throw e;
                    }
                    LOG.warn("an etcd port was taken before etcd could bind it; trying other ports");
                }
            }
        }

        private EtcdCluster startOnce() {
            Path etcd = binary != null ? binary : Os.onPath("etcd");
            if (etcd == null || !Files.isExecutable(etcd)) {
                throw new IllegalStateException("etcd binary " + (etcd == null ? "not found on PATH=" + System.getenv("PATH")
                        : "not executable: " + etcd) + ". Install it with: apt-get install -y etcd-server");
            }
            if (clientPorts != null && clientPorts.length != size) {
                throw new IllegalArgumentException(size + " members need " + size + " client ports, got "
                        + clientPorts.length);
            }
            Path dir;
            try {
                dir = Files.createTempDirectory("fenceline-etcd-");
            } catch (IOException e) {
                throw new UncheckedIOException("could not create a temporary directory for etcd", e);
            }
            EtcdCluster cluster = new EtcdCluster(dir);
            OpenFixtures.add(cluster);
            try {
                int[] ports = FreePorts.take(2 * size);
                StringBuilder initial = new StringBuilder();
                for (int i = 0; i < size; i++) {
                    int client = clientPorts != null ? clientPorts[i] : ports[2 * i];
                    Member member = new Member(i, etcd, dir.resolve("m" + i), client, ports[2 * i + 1]);
                    cluster.members.add(member);
                    initial.append(i == 0 ? "" : ",").append(member.name).append('=').append(member.peerUrl());
                }
                String token = "fenceline-" + UUID.randomUUID();
                for (Member member : cluster.members) {
                    member.initialCluster = initial.toString();
                    member.token = token;
                    member.launch();
                }
                cluster.awaitHealthy(startTimeout);
                return cluster;
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        }
    }

    /** The client URLs of all members, e.g. {@code http://127.0.0.1:43211}. */
    public List<String> endpoints() {
        return members.stream().map(Member::clientUrl).toList();
    }

    public Member member(int index) {
        return members.get(index);
    }

    public int size() {
        return members.size();
    }

    /**
     * The index of the current leader according to the first running member that answers, or -1 when no
     * answering member knows a leader.
     */
    public int leaderIndex() {
        for (Member member : members) {
            if (!member.isRunning() || member.isPaused()) {
                continue;
            }
            JsonNode status = member.status();
            if (status == null) {
                continue;
            }
            String leader = status.path("leader").asText("");
            for (Member candidate : members) {
                JsonNode own = candidate == member ? status
                        : candidate.isRunning() && !candidate.isPaused() ? candidate.status() : null;
                if (own != null && leader.equals(own.path("header").path("member_id").asText())) {
                    return candidate.index;
                }
            }
        }
        return -1;
    }

    /**
     * Waits until every running, unpaused member reports healthy ({@code GET /health}); a member that
     * exits meanwhile fails the wait at once with its log tail.
     */
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> problems = new ArrayList<>();
            for (Member member : members) {
                if (member.process == null || member.isPaused()) {
                    continue;
                }
                if (!member.process.isAlive()) {
                    throw new IllegalStateException("etcd member " + member.name + " (client " + member.clientUrl()
                            + ", peer " + member.peerUrl() + ") exited with code " + member.process.exitValue()
                            + "; last lines of " + member.logFile + ":\n" + member.logTail(25));
                }
                String health = member.health();
                if (!health.contains("\"health\":\"true\"")) {
                    problems.add(member.name + ": " + health);
                }
            }
            if (problems.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                StringBuilder message = new StringBuilder("etcd cluster not healthy after " + timeout.toMillis()
                        + " ms: " + problems);
                for (Member member : members) {
                    message.append("\nlast lines of ").append(member.logFile).append(":\n").append(member.logTail(10));
                }
                throw new IllegalStateException(message.toString());
            }
            pauseBriefly();
        }
    }

    private static void pauseBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }

    @Override
    public String describe() {
        return "etcd cluster " + endpoints();
    }

    @Override
    public String logTail(int lines) {
        StringBuilder tails = new StringBuilder();
        for (Member member : members) {
            tails.append("--- ").append(member.name).append(' ').append(member.clientUrl())
                    .append(member.isRunning() ? "" : " (not running)").append(member.isPaused() ? " (paused)" : "")
                    .append('\n').append(member.logTail(lines)).append('\n');
        }
        return tails.toString();
    }

    /** Kills every member and deletes the data directories. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Member member : members) {
            member.destroy();
        }
        List<String> problems = Os.deleteTree(baseDir);
        if (!problems.isEmpty()) {
            LOG.warn("could not delete all of {}: {}", baseDir, problems);
        }
        OpenFixtures.remove(this);
    }

    @Override
    public String toString() {
        return describe();
    }

    /** One etcd member: a process that can be stopped, killed, paused, resumed and started again. */
    public static final class Member {
        private final int index;
        private final String name;
        private final Path binary;
        private final Path dataDir;
        private final Path logFile;
        private final int clientPort;
        private final int peerPort;
        private String initialCluster;
        private String token;
        private volatile Process process;
        private volatile boolean paused;

        private Member(int index, Path binary, Path dir, int clientPort, int peerPort) {
            this.index = index;
            this.name = "m" + index;
            this.binary = binary;
            this.dataDir = dir.resolve("data");
            this.logFile = dir.resolve("etcd.log");
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("could not create " + dir, e);
            }
        }

        private synchronized void launch() {
            List<String> command = List.of(binary.toString(),
                    "--name", name,
                    "--data-dir", dataDir.toString(),
                    "--listen-client-urls", clientUrl(),
                    "--advertise-client-urls", clientUrl(),
                    "--listen-peer-urls", peerUrl(),
                    "--initial-advertise-peer-urls", peerUrl(),
                    "--initial-cluster", initialCluster,
                    "--initial-cluster-token", token,
                    "--initial-cluster-state", "new",
                    "--logger", "zap",
                    "--log-outputs", "stderr");
            try {
                process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .directory(dataDir.getParent().toFile())
                        .start();
                paused = false;
            } catch (IOException e) {
                throw new UncheckedIOException("could not start etcd member " + name + ": " + String.join(" ", command), e);
            }
        }

        public int index() {
            return index;
        }

        public String name() {
            return name;
        }

        public String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        public String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }

        public int clientPort() {
            return clientPort;
        }

        public Path dataDir() {
            return dataDir;
        }

        public Path logFile() {
            return logFile;
        }

        /** The process id, or -1 when the member is not running. */
        public long pid() {
            Process p = process;
            return p != null && p.isAlive() ? p.pid() : -1;
        }

        public boolean isRunning() {
            Process p = process;
            return p != null && p.isAlive();
        }

        public boolean isPaused() {
            return paused;
        }

        /** Stops the member with SIGTERM and waits for it to exit. */
        public synchronized void stop() {
            Process p = process;
            if (p == null || !p.isAlive()) {
                return;
            }
            if (paused) {
                resume();
            }
            p.destroy();
            awaitExit(p, "SIGTERM");
        }

        /** Kills the member with SIGKILL, as a crash would. */
        public synchronized void kill() {
            Process p = process;
            if (p == null || !p.isAlive()) {
                return;
            }
            p.destroyForcibly();
            awaitExit(p, "SIGKILL");
            paused = false;
        }

        /** Freezes the member with SIGSTOP: its sockets stay open but it answers nothing. */
        public synchronized void pause() {
            long pid = requireRunning("pause");
            Os.signal(pid, "STOP");
            paused = true;
        }

        /** Thaws a member frozen by {@link #pause()} with SIGCONT. */
        public synchronized void resume() {
            long pid = requireRunning("resume");
            Os.signal(pid, "CONT");
            paused = false;
        }

        /**
         * Starts a stopped or killed member again on the same ports and data directory, where it rejoins the
         * cluster; returns once it reports healthy.
         */
        public synchronized void start() {
            if (isRunning()) {
                return;
            }
            launch();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!health().contains("\"health\":\"true\"")) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("etcd member " + name + " exited on restart with code "
                            + process.exitValue() + "; last lines of " + logFile + ":\n" + logTail(25));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd member " + name + " not healthy 30 s after restart: "
                            + health() + "; last lines of " + logFile + ":\n" + logTail(25));
                }
                pauseBriefly();
            }
        }

        /** The last lines of this member's log. */
        public String logTail(int lines) {
            return Os.tail(logFile, lines);
        }

        /** The body of {@code GET /health}, or a description of why there is none. */
        String health() {
            try {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(clientUrl() + "/health"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                return response.statusCode() + " " + response.body();
            } catch (IOException e) {
                return "unreachable: " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking " + name + " for its health", e);
            }
        }

        /** The maintenance status ({@code POST /v3/maintenance/status}), or null when the member does not answer. */
        JsonNode status() {
            try {
                HttpResponse<String> response = HTTP.send(
                        HttpRequest.newBuilder(URI.create(clientUrl() + "/v3/maintenance/status"))
                                .timeout(Duration.ofSeconds(2))
                                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking " + name + " for its status", e);
            }
        }

        private long requireRunning(String action) {
            long pid = pid();
            if (pid < 0) {
                throw new IllegalStateException("cannot " + action + " etcd member " + name + ": it is not running");
            }
            return pid;
        }

        private void awaitExit(Process p, String signal) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("etcd member " + name + " (pid " + p.pid()
                                + ") did not exit after " + signal + " and SIGKILL");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd member " + name + " to exit", e);
            }
        }

        private void destroy() {
            Process p = process;
            if (p == null || !p.isAlive()) {
                return;
            }
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return "etcd member " + name + " " + clientUrl() + (isRunning() ? "" : " (not running)")
                    + (paused ? " (paused)" : "");
        }
    }
}
