package io.fenceline.demo.fleet;

import io.fenceline.config.file.ConfigResult;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.ProxySettingsLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's proxy configurations are accepted by the proxy's own loader, with and without each section. */
class ProxyConfigTest {

    private static final ProxyConfig CONFIG = new ProxyConfig("us", 16432, 19187, 15432, "shop",
            "http://127.0.0.1:12379", "main", "eu", List.of("eu", "us"), "us_from_eu");

    private static ProxySettings load(Path dir, String yaml) throws Exception {
        Path file = dir.resolve("proxy.yaml");
        Files.writeString(file, yaml);
        ConfigResult<ProxySettings> result = ProxySettingsLoader.load(file);
        if (result instanceof ConfigResult.Invalid<ProxySettings> invalid) {
            throw new AssertionError(invalid.describe() + "\n" + yaml);
        }
        return assertInstanceOf(ConfigResult.Valid.class, result).settings() instanceof ProxySettings s ? s : null;
    }

    @Test
    void theDataPathAloneLoads(@TempDir Path dir) throws Exception {
        ProxySettings s = load(dir, CONFIG.yaml(false, false));
        assertEquals(16432, s.listen().port());
        assertTrue(s.group().isEmpty() && s.etcd().isEmpty() && s.schema().isEmpty());
    }

    @Test
    void writeAuthorityAndSchemaSectionsLoad(@TempDir Path dir) throws Exception {
        ProxySettings s = load(dir, CONFIG.yaml(true, true));
        assertEquals(List.of("http://127.0.0.1:12379"), s.etcd().orElseThrow().settings().endpoints());
        assertEquals("us", s.group().orElseThrow().settings().cluster());
        assertEquals(List.of("eu", "us"), s.group().orElseThrow().settings().candidates());
        assertEquals("postgres", s.schema().orElseThrow().controlRole());
    }

    @Test
    void writeAuthorityAloneLoads(@TempDir Path dir) throws Exception {
        ProxySettings s = load(dir, CONFIG.yaml(true, false));
        assertTrue(s.group().isPresent() && s.schema().isEmpty());
    }
}
