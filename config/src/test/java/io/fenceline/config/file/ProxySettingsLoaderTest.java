package io.fenceline.config.file;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxySettingsLoaderTest {

    @TempDir
    Path dir;

    @Test
    void minimalFileGetsDefaults() {
        ProxySettings s = valid("""
                listen: { host: 127.0.0.1, port: 6432 }
                upstream: { host: db, port: 5432 }
                """);
        assertEquals(new ProxySettings.Listen("127.0.0.1", 6432), s.listen());
        assertEquals(new ProxySettings.Upstream.Tcp("db", 5432), s.upstream());
        assertEquals(Optional.empty(), s.tls());
        assertEquals(Optional.empty(), s.admin());
        assertEquals(new ProxySettings.Limits(64 << 20, Duration.ofSeconds(60), 1000), s.limits());
        assertEquals(Duration.ofSeconds(30), s.shutdownGrace());
        assertEquals(ProxySettings.Inspection.DEFAULT, s.inspection());
    }

    @Test
    void inspectionSectionIsReadAndValidated() {
        ProxySettings s = valid("""
                listen: { host: 127.0.0.1, port: 6432 }
                upstream: { host: db, port: 5432 }
                inspection: { enabled: false, cache_megabytes: 8, offload_threshold: 4096 }
                """);
        assertEquals(new ProxySettings.Inspection(false, 8, 4096), s.inspection());
        List<ConfigProblem> problems = invalid("""
                listen: { host: 127.0.0.1, port: 6432 }
                upstream: { host: db, port: 5432 }
                inspection: { enabled: "yes", cache_megabytes: 0, offload_threshold: -1, depth: 3 }
                """);
        assertEquals(List.of("inspection.depth", "inspection.enabled", "inspection.cache_megabytes", "inspection.offload_threshold"),
                problems.stream().map(ConfigProblem::key).toList(), problems.toString());
        assertTrue(problems.get(1).message().contains("true or false"), problems.get(1).message());
    }

    @Test
    void writeAuthorityAndSchemaVersionsNeedInspection() {
        String authority = "group: { name: main, cluster: eu, proxy_id: eu-1, preferred: eu, candidates: [eu], "
                + "fence: { user: postgres } }\n";
        String schema = "schema: { group: main, control_role: fenceline }\n";
        String base = """
                listen: { host: 127.0.0.1, port: 6432 }
                upstream: { host: 127.0.0.1, port: 5432 }
                etcd: { endpoints: [http://127.0.0.1:2379] }
                """;
        // Each is valid with inspection on (the default) ...
        valid(base + authority + schema);
        // ... and refused with it off, the problem on inspection.enabled naming the section.
        for (String sections : List.of(authority, schema, authority + schema)) {
            List<ConfigProblem> problems = invalid(base + "inspection: { enabled: false }\n" + sections);
            assertEquals(sections.equals(authority + schema) ? 2 : 1, problems.size(), problems.toString());
            for (ConfigProblem p : problems) {
                assertEquals("inspection.enabled", p.key(), p.toString());
                assertTrue(p.message().contains("nothing would"), p.message());
            }
            assertTrue(problems.get(0).message().contains(sections.startsWith("group") ? "with a group: section"
                    : "with a schema: section"), problems.get(0).message());
        }
        // inspection off alone stays valid: bin/bench's fl-noinspect target.
        valid(base + "inspection: { enabled: false }\n");
    }

    @Test
    void fullFileIsRead() throws IOException {
        Files.writeString(dir.resolve("tls.crt"), "cert");
        Files.writeString(dir.resolve("tls.key"), "key");
        ProxySettings s = valid("""
                listen: { host: 0.0.0.0, port: 0 }
                upstream: { socket: /var/run/postgresql/.s.PGSQL.5432 }
                tls: { certificate: tls.crt, key: tls.key }
                limits: { max_message_length: 16MiB, startup_timeout: 1500ms, max_connections: 20 }
                admin: { port: 9187 }
                shutdown_grace: 2m
                """);
        assertEquals(new ProxySettings.Upstream.UnixSocket(Path.of("/var/run/postgresql/.s.PGSQL.5432")), s.upstream());
        assertEquals(Optional.of(new ProxySettings.Tls(dir.resolve("tls.crt"), dir.resolve("tls.key"))), s.tls());
        assertEquals(new ProxySettings.Limits(16 << 20, Duration.ofMillis(1500), 20), s.limits());
        assertEquals(Optional.of(new ProxySettings.Admin("127.0.0.1", 9187)), s.admin());
        assertEquals(Duration.ofMinutes(2), s.shutdownGrace());
    }

    @Test
    void everyProblemIsReportedAtOnceWithFileAndKey() {
        List<ConfigProblem> problems = invalid("""
                listen: { host: "", port: 70000, colour: blue }
                upstream: { host: db, port: 5432, socket: /tmp/s }
                tls: { certificate: missing.crt }
                limits: { max_message_length: 12, startup_timeout: soon, max_connections: -1 }
                admin: { port: 6432 }
                shutdown_grace: 10 minutes
                extra: true
                """);
        List<String> keys = problems.stream().map(ConfigProblem::key).toList();
        assertEquals(List.of("extra", "listen.colour", "listen.host", "listen.port", "upstream",
                "tls.certificate", "tls.key", "limits.max_message_length", "limits.startup_timeout",
                "limits.max_connections", "shutdown_grace"), keys, problems.toString());
        problems.forEach(p -> assertEquals("proxy.yaml", p.file()));
        assertTrue(problems.get(3).message().contains("70000"), problems.get(3).message());
        assertTrue(problems.get(5).message().contains("does not exist"), problems.get(5).message());
    }

    @Test
    void missingSectionsAreNamed() {
        List<ConfigProblem> problems = invalid("shutdown_grace: 1s\n");
        assertEquals(List.of("listen", "upstream"), problems.stream().map(ConfigProblem::key).toList());
    }

    @Test
    void adminPortMayNotEqualListenPort() {
        List<ConfigProblem> problems = invalid("""
                listen: { host: 127.0.0.1, port: 6432 }
                upstream: { host: db, port: 5432 }
                admin: { port: 6432 }
                """);
        assertEquals("admin.port", problems.get(0).key());
        assertEquals(1, problems.size());
    }

    @Test
    void brokenYamlIsOneProblemWithItsLocation() {
        List<ConfigProblem> problems = invalid("listen: [unclosed\n");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).message().startsWith("not valid YAML"), problems.get(0).message());
        assertTrue(problems.get(0).toString().startsWith("proxy.yaml: (document): "), problems.get(0).toString());
    }

    @Test
    void unreadableFileIsAProblemNotAnException() {
        ConfigResult<ProxySettings> r = ProxySettingsLoader.load(dir.resolve("nope.yaml"));
        ConfigResult.Invalid<ProxySettings> inv = assertInstanceOf(ConfigResult.Invalid.class, r);
        assertTrue(inv.describe().contains("cannot read the file"), inv.describe());
    }

    private ProxySettings valid(String yaml) {
        ConfigResult<ProxySettings> r = ProxySettingsLoader.parse(yaml, "proxy.yaml", dir);
        if (r instanceof ConfigResult.Invalid<ProxySettings> inv) {
            throw new AssertionError(inv.describe());
        }
        return ((ConfigResult.Valid<ProxySettings>) r).settings();
    }

    private List<ConfigProblem> invalid(String yaml) {
        ConfigResult<ProxySettings> r = ProxySettingsLoader.parse(yaml, "proxy.yaml", dir);
        return assertInstanceOf(ConfigResult.Invalid.class, r).problems();
    }
}
