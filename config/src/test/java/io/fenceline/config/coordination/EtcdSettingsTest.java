package io.fenceline.config.coordination;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EtcdSettingsTest {

    @Test
    void defaultsAreValid() {
        EtcdSettings s = EtcdSettings.defaults(List.of("http://127.0.0.1:2379"));
        assertEquals(Duration.ofSeconds(5), s.leaseTtl());
        assertEquals(Duration.ofMillis(1666), s.keepAliveInterval().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Test
    void everyProblemIsListedAtOnceWithItsSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EtcdSettings(
                List.of("127.0.0.1:2379", "http://h"), "fl/", Duration.ofMillis(1500), 0.5,
                Duration.ofMillis(-1), Duration.ZERO));
        String m = e.getMessage();
        for (String fragment : List.of("etcd.endpoints: '127.0.0.1:2379'", "etcd.endpoints: 'http://h' must name a host",
                "etcd.prefix: 'fl/' must start with '/'", "etcd.lease_ttl: PT1.5S must be whole seconds",
                "etcd.rho: 0.5", "etcd.margin: PT-0.001S", "etcd.request_timeout: PT0S must be at least 10ms", "(8 problems)")) {
            assertTrue(m.contains(fragment), fragment + " missing in: " + m);
        }
    }

    @Test
    void marginThatLeavesNoRoomForAKeepaliveIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                EtcdSettings.defaults(List.of("http://127.0.0.1:2379")).withLease(Duration.ofSeconds(5), Duration.ofSeconds(3)));
        assertTrue(e.getMessage().contains("etcd.margin: PT3S is too large for etcd.lease_ttl PT5S"), e.getMessage());
    }
}
