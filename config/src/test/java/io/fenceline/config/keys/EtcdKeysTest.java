package io.fenceline.config.keys;

import io.fenceline.config.records.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EtcdKeysTest {

    private final EtcdKeys keys = EtcdKeys.defaults();

    @Test
    void buildsTheLayoutOfTheDesign() {
        assertEquals("/fenceline/groups/g1/writer", keys.writer("g1"));
        assertEquals("/fenceline/groups/g1/window", keys.window("g1"));
        assertEquals("/fenceline/groups/g1/catalog/7", keys.catalog("g1", 7));
        assertEquals("/fenceline/groups/g1/clusters/eu-1/mode", keys.mode("g1", "eu-1"));
        assertEquals("/fenceline/groups/g1/clusters/eu-1/acks/7/backfill", keys.ack("g1", "eu-1", 7, Step.BACKFILL));
        assertEquals("/fenceline/groups/g1/clusters/eu-1/proxies/p.0", keys.proxy("g1", "eu-1", "p.0"));
        assertEquals("/fenceline/groups/g1/clusters/eu-1/telemetry/p.0", keys.telemetry("g1", "eu-1", "p.0"));
        assertEquals("/fenceline/groups/g1/migration", keys.migration("g1"));
        assertEquals("/fenceline/groups/g1/handoff", keys.handoff("g1"));
        assertEquals("/fenceline/groups/g1/handoff-progress", keys.handoffProgress("g1"));
        assertEquals("/fenceline/groups/g1/wal", keys.walPosition("g1"));
        assertEquals("/fenceline/control/leader", keys.controlLeader());
        assertEquals("/fenceline/audit/g1/0000000000000000042", keys.audit("g1", 42));
    }

    @Test
    void everyBuiltKeyParsesBackToItsParts() {
        EtcdKeys custom = new EtcdKeys("/prod/fl");
        List<EtcdKey> all = List.of(new EtcdKey.Writer("g"), new EtcdKey.Window("g"), new EtcdKey.Catalog("g", 3),
                new EtcdKey.Mode("g", "c"), new EtcdKey.Ack("g", "c", 3, Step.CONTRACT),
                new EtcdKey.Proxy("g", "c", "p1"), new EtcdKey.Migration("g"), new EtcdKey.Handoff("g"),
                new EtcdKey.HandoffProgress("g"), new EtcdKey.WalPosition("g"), new EtcdKey.ControlLeader(), new EtcdKey.Audit("g", 9),
                new EtcdKey.Telemetry("g", "c", "p1"));
        List<String> built = List.of(custom.writer("g"), custom.window("g"), custom.catalog("g", 3),
                custom.mode("g", "c"), custom.ack("g", "c", 3, Step.CONTRACT), custom.proxy("g", "c", "p1"),
                custom.migration("g"), custom.handoff("g"), custom.handoffProgress("g"),
                custom.walPosition("g"), custom.controlLeader(), custom.audit("g", 9), custom.telemetry("g", "c", "p1"));
        for (int i = 0; i < all.size(); i++) {
            assertEquals(Optional.of(all.get(i)), custom.parse(built.get(i)), built.get(i));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/other/groups/g/writer", "/fenceline/groups/g/writer/x", "/fenceline/groups/g",
            "/fenceline/groups/g/catalog/abc", "/fenceline/groups/g/clusters/c/acks/3/drop",
            "/fenceline/groups/-bad/writer", "/fenceline/audit/g/0", "/fenceline/groups//writer", "",
            "/fenceline/groups/g/clusters/c/proxies/", "/fenceline/groups/g/clusters/c/telemetry/", "/fencelinex/groups/g/writer"})
    void foreignOrMalformedKeysParseToNothing(String key) {
        assertEquals(Optional.empty(), keys.parse(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "", "..x/", "-lead", "has space", "ünï"})
    void namesThatCouldBreakTheLayoutAreRefused(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> keys.writer(name));
        assertTrue(e.getMessage().contains("group name '" + name + "'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> keys.mode("g", name));
        assertThrows(IllegalArgumentException.class, () -> keys.proxy("g", "c", name));
    }

    @Test
    void longestNameIsSixtyThreeCharacters() {
        String ok = "a".repeat(63);
        assertEquals("/fenceline/groups/" + ok + "/writer", keys.writer(ok));
        assertThrows(IllegalArgumentException.class, () -> keys.writer(ok + "a"));
    }

    @Test
    void badPrefixListsEveryProblem() {
        assertEquals(List.of(), EtcdKeys.prefixProblems("/a/b-c"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EtcdKeys("x//y z/"));
        assertTrue(e.getMessage().contains("must start with '/'"), e.getMessage());
        assertTrue(e.getMessage().contains("must not end with '/'"), e.getMessage());
        assertTrue(e.getMessage().contains("empty segment"), e.getMessage());
        assertTrue(e.getMessage().contains("'y z'"), e.getMessage());
    }

    @Test
    void auditKeysSortNumerically() {
        assertTrue(keys.audit("g", 9).compareTo(keys.audit("g", 10)) < 0);
        assertTrue(keys.audit("g", 99_999).compareTo(keys.audit("g", 100_000)) < 0);
        assertThrows(IllegalArgumentException.class, () -> keys.audit("g", 0));
    }
}
