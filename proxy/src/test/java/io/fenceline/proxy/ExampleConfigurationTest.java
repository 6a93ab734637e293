package io.fenceline.proxy;

import io.fenceline.config.file.ConfigResult;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.ProxySettingsLoader;
import io.fenceline.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped example configuration stays valid, with and without its commented write-authority sections. */
class ExampleConfigurationTest {

    private static final Path EXAMPLE = ArchitectureRules.moduleDir().resolve("src/main/dist/proxy.example.yaml");

    @Test
    void exampleLoads() {
        ProxySettings s = valid(ProxySettingsLoader.load(EXAMPLE));
        assertEquals(new ProxySettings.Upstream.Tcp("127.0.0.1", 5432), s.upstream());
        assertEquals(6432, s.listen().port());
        assertEquals(Optional.empty(), s.group(), "the example gates no writes until its group: is uncommented");
    }

    @Test
    void exampleWithTheWriteAuthorityUncommentedLoads() throws IOException {
        List<String> lines = Files.readAllLines(EXAMPLE);
        int from = lines.indexOf("# --- write authority ---");
        int to = lines.indexOf("# --- end of write authority ---");
        assertTrue(from >= 0 && to > from, "the example marks its write-authority block");
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            yaml.append(i > from && i < to ? line.replaceFirst("^# ", "") : line).append('\n');
        }
        ProxySettings s = valid(ProxySettingsLoader.parse(yaml.toString(), "proxy.example.yaml (uncommented)",
                EXAMPLE.getParent()));
        ProxySettings.Group g = s.group().orElseThrow();
        assertEquals("main", g.settings().group());
        assertEquals(List.of("eu", "us"), g.settings().candidates());
        assertEquals("jdbc:postgresql://127.0.0.1:5432/postgres", g.fenceDatabase().jdbcUrl());
        assertEquals(Duration.ofSeconds(5), s.etcd().orElseThrow().settings().leaseTtl());
        assertEquals(3, s.etcd().orElseThrow().settings().endpoints().size());
    }

    @Test
    void exampleWithTheSchemaSectionUncommentedLoads() throws IOException {
        List<String> lines = Files.readAllLines(EXAMPLE);
        int etcdFrom = lines.indexOf("# --- write authority ---");
        int etcdTo = lines.indexOf("# --- end of write authority ---");
        int from = lines.indexOf("# --- schema versions ---");
        int to = lines.indexOf("# --- end of schema versions ---");
        assertTrue(from >= 0 && to > from, "the example marks its schema block");
        StringBuilder yaml = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            boolean uncomment = (i > from && i < to) || (i > etcdFrom && i < etcdTo);
            yaml.append(uncomment ? line.replaceFirst("^# ", "") : line).append('\n');
        }
        ProxySettings s = valid(ProxySettingsLoader.parse(yaml.toString(), "proxy.example.yaml (uncommented)",
                EXAMPLE.getParent()));
        assertEquals(io.fenceline.config.file.SchemaSettings.of("main", "fenceline"), s.schema().orElseThrow());
    }

    private static ProxySettings valid(ConfigResult<ProxySettings> r) {
        if (r instanceof ConfigResult.Invalid<ProxySettings> invalid) {
            throw new AssertionError(invalid.describe());
        }
        return assertInstanceOf(ConfigResult.Valid.class, r).settings() instanceof ProxySettings s ? s : null;
    }
}
