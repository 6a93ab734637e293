package io.fenceline.config.file;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemaSectionTest {

    private static final String BASE = """
            listen: { host: 127.0.0.1, port: 6432 }
            upstream: { host: db, port: 5432 }
            etcd: { endpoints: [http://127.0.0.1:2379] }
            """;

    @Test
    void absentSectionMeansNoEnforcement() {
        assertEquals(Optional.empty(), valid(BASE).schema());
    }

    @Test
    void minimalSectionGetsDefaults() {
        SchemaSettings s = valid(BASE + "schema: { group: main, control_role: fenceline }").schema().orElseThrow();
        assertEquals(SchemaSettings.of("main", "fenceline"), s);
        assertEquals(SchemaSettings.Undeclared.NEWEST, s.undeclared());
        assertEquals(new SchemaSettings.NotUnderstood(SchemaSettings.Action.ALLOW, SchemaSettings.Action.REFUSE),
                s.notUnderstood());
    }

    @Test
    void everyKeyIsRead() {
        SchemaSettings s = valid(BASE + """
                schema:
                  group: eu-orders
                  control_role: migrator
                  undeclared: refuse
                  not_understood: { reads: refuse, ddl: allow }
                """).schema().orElseThrow();
        assertEquals(new SchemaSettings("eu-orders", SchemaSettings.Undeclared.REFUSE,
                new SchemaSettings.NotUnderstood(SchemaSettings.Action.REFUSE, SchemaSettings.Action.ALLOW), "migrator"), s);
    }

    @Test
    void needsEtcd() {
        List<ConfigProblem> problems = invalid("""
                listen: { host: 127.0.0.1, port: 6432 }
                upstream: { host: db, port: 5432 }
                schema: { group: main, control_role: fenceline }
                """);
        assertEquals(List.of("schema"), problems.stream().map(ConfigProblem::key).toList(), problems.toString());
        assertTrue(problems.get(0).message().contains("etcd"), problems.get(0).message());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        List<ConfigProblem> problems = invalid(BASE + """
                schema:
                  group: "a/b"
                  undeclared: oldest
                  not_understood: { reads: maybe, ddl: 3, writes: allow }
                  window: 3
                """);
        assertEquals(List.of("schema.window", "schema.group", "schema.control_role", "schema.undeclared",
                        "schema.not_understood.writes", "schema.not_understood.reads", "schema.not_understood.ddl"),
                problems.stream().map(ConfigProblem::key).toList(), problems.toString());
        assertTrue(problems.get(3).message().contains("newest, refuse"), problems.get(3).message());
        assertTrue(problems.get(3).message().contains("oldest"), problems.get(3).message());
    }

    private static ProxySettings valid(String yaml) {
        ConfigResult<ProxySettings> r = ProxySettingsLoader.parse(yaml, "proxy.yaml", Path.of("."));
        if (r instanceof ConfigResult.Invalid<ProxySettings> inv) {
            throw new AssertionError(inv.describe());
        }
        return ((ConfigResult.Valid<ProxySettings>) r).settings();
    }

    private static List<ConfigProblem> invalid(String yaml) {
        ConfigResult<ProxySettings> r = ProxySettingsLoader.parse(yaml, "proxy.yaml", Path.of("."));
        return assertInstanceOf(ConfigResult.Invalid.class, r).problems();
    }
}
