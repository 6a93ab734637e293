package io.fenceline.config.group;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupSettingsTest {

    @Test
    void validSettingsKeepTheirValues() {
        GroupSettings s = GroupSettings.of("main", "eu-1", "p1", "eu-1", List.of("eu-1", "us-1"), Failover.AUTOMATIC);
        assertTrue(s.isCandidate());
        assertTrue(s.isCandidate("us-1"));
        assertEquals(GroupSettings.DEFAULT_PAUSE_BOUND, s.pauseBound());
    }

    @Test
    void everyProblemIsListedAtOnceWithItsSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GroupSettings("a/b",
                "", "p1", "zz", List.of("eu-1", "eu-1"), null, -1, Duration.ZERO, Duration.ofMillis(5), null));
        String m = e.getMessage();
        for (String setting : List.of("group.name", "group.cluster", "group.preferred", "group.candidates",
                "group.failover", "group.max_lag_bytes", "group.pause_bound", "group.handoff_timeout",
                "group.status_interval")) {
            assertTrue(m.contains(setting), setting + " missing from: " + m);
        }
        assertTrue(m.startsWith("invalid group settings (9 problems)"), m);
    }

    @Test
    void failoverParsesItsTwoWords() {
        assertEquals(Failover.MANUAL, Failover.tryParse(" Manual ").orElseThrow());
        assertEquals(Failover.AUTOMATIC, Failover.tryParse("automatic").orElseThrow());
        assertTrue(Failover.tryParse("auto").isEmpty());
    }

    @Test
    void controlDatabaseListsEveryProblemAndHidesThePassword() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ControlDatabase("mysql://x", " ", null, "Bad-Name", Duration.ofMillis(1)));
        for (String setting : List.of("database.jdbc_url", "database.user", "database.subscription",
                "database.fence_timeout")) {
            assertTrue(e.getMessage().contains(setting), setting + " missing from: " + e.getMessage());
        }
        ControlDatabase ok = new ControlDatabase("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "secret",
                "sub_a", ControlDatabase.DEFAULT_FENCE_TIMEOUT);
        assertTrue(!ok.toString().contains("secret"));
    }
}
