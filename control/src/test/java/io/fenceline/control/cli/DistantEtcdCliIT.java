package io.fenceline.control.cli;

import io.fenceline.config.coordination.Coordinator;
import io.fenceline.config.coordination.EtcdSettings;
import io.fenceline.config.records.WriterRecord;
import io.fenceline.testing.EtcdCluster;
import io.fenceline.testing.FaultLink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read-only verbs against an etcd 700 ms away each way (a {@link FaultLink} delaying every chunk), with
 * {@code request_timeout: 2s}: one round trip (1.4 s) fits the bound, but the first request of a fresh client
 * also carries the HTTP/2 set-up (the server's SETTINGS before the request goes out), so it does not. The verbs
 * answer because their session warms the connection up first with a bound of its own
 * ({@code Coordinator.warmUp}); without it, {@code fenceline writer} reported "etcd did not answer" (exit 3).
 * The same happened with the etcd next door on a busy machine, where the JVM's cold start filled the bound.
 */
class DistantEtcdCliIT {

    @TempDir
    static Path dir;

    private static EtcdCluster etcd;
    private static FaultLink link;
    private static Path config;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdCluster.start(1);
        try (Coordinator c = Coordinator.connect(EtcdSettings.defaults(etcd.endpoints()).withRequestTimeout(Duration.ofSeconds(10)))) {
            c.store().put(c.keys().writer("main"), new WriterRecord("eu", "p-eu", Instant.now())).join();
        }
        link = FaultLink.start("127.0.0.1", etcd.member(0).clientPort());
        link.delay(Duration.ofMillis(700));
        config = dir.resolve("control.yaml");
        Files.writeString(config, "group: main\ninstance: ops\netcd:\n  endpoints: [http://127.0.0.1:" + link.port()
                + "]\n  request_timeout: 2s\nclusters:\n"
                + "  - {name: eu, jdbc_url: \"jdbc:postgresql://127.0.0.1:1/none\", user: x}\n"
                + "  - {name: us, jdbc_url: \"jdbc:postgresql://127.0.0.1:1/none\", user: x}\n"
                + "waves: [[eu], [us]]\n");
    }

    @AfterAll
    static void stop() {
        if (link != null) {
            link.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void writerAnswersOverADistantEtcd() {
        CliTest.Run run = CliTest.run("writer", "--config", config.toString(), "--json");
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("\"cluster\" : \"eu\""), run::out);
    }

    @Test
    void modeAnswersOverADistantEtcd() {
        CliTest.Run run = CliTest.run("mode", "--config", config.toString());
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("eu") && run.out().contains("writable"), run::out);
    }
}
