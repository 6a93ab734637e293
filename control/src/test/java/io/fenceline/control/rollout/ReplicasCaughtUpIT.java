package io.fenceline.control.rollout;

import io.fenceline.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rollout gate's replica check against a real publisher with {@code synchronous_commit = off} and a lazy WAL
 * writer ({@code wal_writer_delay = 10s}) and a logical subscriber: once the gate finds every replica caught up
 * with the position it read after an acknowledged commit, that commit's row is on the subscriber. With the write
 * position ({@code pg_current_wal_lsn()}) the gate passed at once, the row not yet there.
 */
class ReplicasCaughtUpIT {

    private static PostgresServer publisher;
    private static PostgresServer subscriber;

    @BeforeAll
    static void start() throws Exception {
        publisher = PostgresServer.builder().setting("synchronous_commit", "off")
                .setting("wal_writer_delay", "10s").start();
        subscriber = PostgresServer.builder().setting("wal_receiver_status_interval", "1s").start();
        for (PostgresServer pg : List.of(publisher, subscriber)) {
            pg.execute("CREATE DATABASE gate");
            pg.executeIn("gate", "CREATE TABLE t (id int PRIMARY KEY, note text)");
        }
        publisher.executeIn("gate", "CREATE PUBLICATION pub_gate FOR TABLE t");
        subscriber.executeIn("gate", "CREATE SUBSCRIPTION sub_gate CONNECTION 'host=127.0.0.1 port=" + publisher.port()
                + " user=postgres dbname=gate' PUBLICATION pub_gate WITH (copy_data = false)");
    }

    @AfterAll
    static void stop() {
        if (subscriber != null) {
            subscriber.close();
        }
        if (publisher != null) {
            publisher.close();
        }
    }

    @Test
    void theGatePassesOnlyOnceTheSubscriberHasTheAcknowledgedCommit() throws Exception {
        try (Connection c = publisher.connect("gate")) {
            // The subscriber is connected and has confirmed everything so far.
            awaitCaughtUp(c, ReplicasCaughtUp.position(c), Duration.ofSeconds(60));
            for (int round = 1; round <= 3; round++) {
                publisher.executeIn("gate", "INSERT INTO t VALUES (" + round + ", 'acknowledged before the gate read')");
                String lsn = ReplicasCaughtUp.position(c);
                awaitCaughtUp(c, lsn, Duration.ofSeconds(90));
                // The verdict from the subscriber's own rows, at the instant the gate would have passed.
                assertEquals("1", subscriber.queryValue("gate", "SELECT count(*) FROM t WHERE id = " + round),
                        "the gate found the subscriber caught up with " + lsn + " while it lacked the row committed"
                                + " (and acknowledged) before the gate read the position (round " + round + ")");
            }
        }
    }

    /** Polls the gate's check until it reports no replica behind {@code lsn}, as the gate does. */
    private static void awaitCaughtUp(Connection c, String lsn, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            List<String> problems = new ArrayList<>();
            ReplicasCaughtUp.behind("pub", c, lsn, problems);
            if (problems.isEmpty() && hasSlot(c)) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "replicas still behind " + lsn + ": " + problems);
            Thread.sleep(20);
        }
    }

    private static boolean hasSlot(Connection c) {
        return "1".equals(publisher.queryValue("gate", "SELECT count(*) FROM pg_replication_slots WHERE database = 'gate'"
                + " AND confirmed_flush_lsn IS NOT NULL"));
    }
}
