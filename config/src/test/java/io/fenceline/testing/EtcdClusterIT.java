package io.fenceline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A three-member etcd: leases expire after a member is killed; members pause, resume and rejoin. */
class EtcdClusterIT {

    private static EtcdCluster etcd;
    private static Client client;

    @BeforeAll
    static void startCluster() {
        etcd = EtcdCluster.start(3);
        client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build();
    }

    @AfterAll
    static void stopCluster() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            if (etcd != null) {
                etcd.close();
            }
        }
    }

    @Test
    void leaseIsGrantedAndExpiresAfterAMemberIsKilled() throws Exception {
        int leader = etcd.leaderIndex();
        assertTrue(leader >= 0, "a leader is elected: " + etcd.logTail(5));
        EtcdCluster.Member victim = etcd.member((leader + 1) % 3);
        victim.kill();
        assertTrue(!victim.isRunning());

        long lease = client.getLeaseClient().grant(2).get(10, TimeUnit.SECONDS).getID();
        ByteSequence key = bytes("/fenceline-test/lease-bound");
        client.getKVClient().put(key, bytes("held"), PutOption.builder().withLeaseId(lease).build())
                .get(10, TimeUnit.SECONDS);
        assertEquals(List.of("held"), values(client.getKVClient().get(key).get(10, TimeUnit.SECONDS)));

        // Nobody keeps the lease alive: etcd must delete the key once its TTL has passed.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<String> seen = List.of("held");
        while (!seen.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            seen = values(client.getKVClient().get(key).get(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), seen, "lease-bound key still present 15 s after a 2 s lease");
        assertEquals(-1L, client.getLeaseClient().timeToLive(lease, io.etcd.jetcd.options.LeaseOption.DEFAULT)
                .get(10, TimeUnit.SECONDS).getTTL());

        victim.start();
        assertTrue(victim.isRunning());
        etcd.awaitHealthy(Duration.ofSeconds(20));
    }

    @Test
    void pausedMemberStopsAnsweringAndResumes() {
        EtcdCluster.Member member = etcd.member(etcd.leaderIndex() == 0 ? 1 : 0);
        member.pause();
        try {
            assertTrue(member.isPaused());
            assertTrue(member.health().startsWith("unreachable"), member.health());
        } finally {
            member.resume();
        }
        etcd.awaitHealthy(Duration.ofSeconds(20));
        assertTrue(member.health().contains("\"health\":\"true\""), member.health());
    }

    @Test
    void killedLeaderIsReplaced() throws InterruptedException {
        int leader = etcd.leaderIndex();
        assertTrue(leader >= 0);
        etcd.member(leader).kill();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int next = -1;
        while ((next < 0 || next == leader) && System.nanoTime() < deadline) {
            next = etcd.leaderIndex();
            Thread.sleep(50);
        }
        assertNotEquals(leader, next);
        assertTrue(next >= 0, "a new leader after killing " + leader + ":\n" + etcd.logTail(10));
        etcd.member(leader).start();
        etcd.awaitHealthy(Duration.ofSeconds(20));
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static List<String> values(GetResponse response) {
        return response.getKvs().stream().map(KeyValue::getValue).map(v -> v.toString(StandardCharsets.UTF_8)).toList();
    }
}
