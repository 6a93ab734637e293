package io.fenceline.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fixtures that cannot start fail promptly, naming the cause and quoting the log. */
class FixtureStartFailureIT {

    /** Far below any start timeout: failures are detected, not waited out. */
    private static final long PROMPT_MILLIS = 20_000;

    @Test
    void postgresOnATakenPortNamesThePortAndQuotesTheLog() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> PostgresServer.builder().port(squatter.getLocalPort()).start().close());
            assertPrompt(start);
            String message = failure.getMessage();
            assertTrue(message.contains("127.0.0.1:" + squatter.getLocalPort()), message);
            assertTrue(message.contains("Address already in use"), message);
            assertTrue(message.contains("last lines of"), message);
        }
    }

    @Test
    void postgresWithABadSettingQuotesTheServerLog() {
        long start = System.nanoTime();
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> PostgresServer.builder().setting("shared_buffers", "plenty").start().close());
        assertPrompt(start);
        assertTrue(failure.getMessage().contains("invalid value for parameter \"shared_buffers\""), failure.getMessage());
    }

    @Test
    void postgresWithoutBinariesNamesWhereItLooked(@TempDir Path empty) {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> PostgresServer.builder().binDir(empty).start().close());
        assertTrue(failure.getMessage().contains("initdb not found"), failure.getMessage());
        assertTrue(failure.getMessage().contains(empty.toString()), failure.getMessage());
    }

    @Test
    void etcdWithoutBinaryNamesItAndTheInstallCommand(@TempDir Path empty) {
        Path missing = empty.resolve("etcd");
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> EtcdCluster.builder().binary(missing).start().close());
        assertTrue(failure.getMessage().contains(missing.toString()), failure.getMessage());
        assertTrue(failure.getMessage().contains("apt-get install -y etcd-server"), failure.getMessage());
    }

    @Test
    void etcdOnATakenPortSaysTheMemberExitedAndQuotesItsLog() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            IllegalStateException failure = assertThrows(IllegalStateException.class,
                    () -> EtcdCluster.builder().clientPorts(squatter.getLocalPort())
                            .startTimeout(Duration.ofSeconds(60)).start().close());
            assertPrompt(start);
            String message = failure.getMessage();
            assertTrue(message.contains("exited with code"), message);
            assertTrue(message.contains("address already in use"), message);
        }
    }

    @Test
    void failedStartLeavesNoDirectoryBehind() {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> PostgresServer.builder().setting("max_connections", "-5").start().close());
        Matcher log = Pattern.compile("last lines of (\\S+/server\\.log)").matcher(failure.getMessage());
        assertTrue(log.find(), failure.getMessage());
        Path dir = Path.of(log.group(1)).getParent();
        assertFalse(Files.exists(dir), dir + " is removed after the failed start");
        System.out.println("example start-up failure message:\n" + failure.getMessage());
    }

    private static void assertPrompt(long startNanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        assertTrue(millis < PROMPT_MILLIS, "failure reported after " + millis + " ms");
    }
}
