package io.fenceline.control.fleet;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FleetConfigLoaderTest {

    private static final String VALID = """
            group: main
            instance: control-a
            etcd: {endpoints: [http://127.0.0.1:2379], lease_ttl: 3s}
            clusters:
              - {name: eu, jdbc_url: "jdbc:postgresql://db-eu:5432/app", user: fenceline, password_env: EU_PW}
              - {name: us, jdbc_url: "jdbc:postgresql://db-us:5432/app", user: fenceline}
            waves: [[eu], [us]]
            policies: {auto_rollback: false, gate_timeout: 10s, require_proxies: false}
            """;

    @Test
    void readsAValidFile() {
        FleetConfigLoader.Result r = FleetConfigLoader.parse("control.yaml", VALID, Map.of("EU_PW", "secret")::get);
        FleetConfig c = assertInstanceOf(FleetConfigLoader.Result.Loaded.class, r).config();
        assertEquals("main", c.group());
        assertEquals(List.of("eu", "us"), c.rolloutOrder());
        assertEquals("secret", c.cluster("eu").orElseThrow().password());
        assertEquals(Duration.ofSeconds(3), c.etcd().leaseTtl());
        assertEquals(Duration.ofSeconds(10), c.policies().gateTimeout());
        assertEquals(Duration.ofMinutes(10), c.policies().drainTimeout(), "default kept");
        assertEquals(false, c.policies().autoRollback());
        assertEquals(1, c.waveOf("us"));
        assertEquals(Duration.ofSeconds(10), c.policies().errorWindow(), "error gate on by default");
        assertEquals(0.01, c.policies().errorMaxRise());
        assertEquals(100, c.policies().errorMinStatements());
        assertTrue(!c.cluster("eu").orElseThrow().toString().contains("secret"), "password not printed");
    }

    @Test
    void listsEveryProblemAtOnceWithFileAndKey() {
        String bad = """
                group: "bad group"
                etcd: {endpoints: [], lease_ttl: soon}
                clusters:
                  - {name: eu, jdbc_url: "mysql://x", user: fenceline, password_env: MISSING}
                  - {name: eu, jdbc_url: "jdbc:postgresql://y/app"}
                  - {name: ap, jdbc_url: "jdbc:postgresql://z/app", user: f}
                waves: [[eu], [us]]
                policies: {auto_rollback: maybe, max_lag_bytes: -1, colour: blue, error_max_rise: 5,
                           error_min_statements: 0, error_window: often, writer_order: writer-first}
                typo: 1
                """;
        FleetConfigLoader.Result r = FleetConfigLoader.parse("control.yaml", bad, k -> null);
        List<String> problems = assertInstanceOf(FleetConfigLoader.Result.Invalid.class, r).problems();
        String all = String.join("\n", problems);
        for (String expected : List.of("control.yaml: group: 'bad group' is not a valid name",
                "control.yaml: etcd.lease_ttl: 'soon' is not a positive duration",
                "control.yaml: clusters[0].jdbc_url: must start with jdbc:postgresql:",
                "control.yaml: clusters[0].password_env: environment variable MISSING is not set",
                "control.yaml: clusters[1].name: cluster 'eu' is declared twice",
                "control.yaml: clusters[1].user: is required",
                "control.yaml: waves[1][0]: 'us' is not a cluster of this file",
                "control.yaml: waves: cluster 'ap' is in no wave",
                "control.yaml: policies.auto_rollback: must be true or false",
                "control.yaml: policies.max_lag_bytes: must be a whole number",
                "control.yaml: policies.colour: unknown key",
                "control.yaml: policies.error_max_rise: must be a fraction between 0 and 1",
                "control.yaml: policies.error_min_statements: must be a whole number >= 1",
                "control.yaml: policies.error_window: 'often' is not a positive duration",
                "control.yaml: policies.writer_order: must be auto or as-configured, got 'writer-first'",
                "control.yaml: typo: unknown key")) {
            assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
        }
    }

    @Test
    void theErrorGateIsConfiguredOrTurnedOff() {
        String tuned = VALID.replace("require_proxies: false}", "require_proxies: false, error_window: 2s,"
                + " error_max_rise: 0.005, error_min_statements: 20}");
        Policies p = ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", tuned,
                Map.of("EU_PW", "x")::get)).config().policies();
        assertEquals(Duration.ofSeconds(2), p.errorWindow());
        assertEquals(0.005, p.errorMaxRise());
        assertEquals(20, p.errorMinStatements());
        for (String off : List.of("off", "0", "0s")) {
            String text = VALID.replace("require_proxies: false}", "require_proxies: false, error_window: " + off + "}");
            assertEquals(Duration.ZERO, ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml", text,
                    Map.of("EU_PW", "x")::get)).config().policies().errorWindow(), off);
        }
    }

    @Test
    void theWriterOrderIsAutoUnlessConfigured() {
        assertEquals(Policies.WriterOrder.AUTO, ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse("c.yaml",
                VALID, Map.of("EU_PW", "x")::get)).config().policies().writerOrder());
        String fixed = VALID.replace("require_proxies: false}", "require_proxies: false, writer_order: as-configured}");
        assertEquals(Policies.WriterOrder.AS_CONFIGURED, ((FleetConfigLoader.Result.Loaded) FleetConfigLoader.parse(
                "c.yaml", fixed, Map.of("EU_PW", "x")::get)).config().policies().writerOrder());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), FleetConfigLoader.parseDuration("500ms"));
        assertEquals(Duration.ofMinutes(10), FleetConfigLoader.parseDuration("10m"));
        assertEquals(Duration.ofHours(1), FleetConfigLoader.parseDuration("1h"));
        assertEquals(null, FleetConfigLoader.parseDuration("5 parsecs"));
    }
}
