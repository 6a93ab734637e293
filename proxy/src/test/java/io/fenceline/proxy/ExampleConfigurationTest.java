package io.fenceline.proxy;

import io.fenceline.config.file.ConfigResult;
import io.fenceline.config.file.ProxySettings;
import io.fenceline.config.file.ProxySettingsLoader;
import io.fenceline.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The shipped example configuration stays valid. */
class ExampleConfigurationTest {

    @Test
    void exampleLoads() {
        Path example = ArchitectureRules.moduleDir().resolve("src/main/dist/proxy.example.yaml");
        ConfigResult<ProxySettings> r = ProxySettingsLoader.load(example);
        @SuppressWarnings("unchecked")
        ConfigResult.Valid<ProxySettings> valid = assertInstanceOf(ConfigResult.Valid.class, r, r::toString);
        ProxySettings s = valid.settings();
        assertEquals(new ProxySettings.Upstream.Tcp("127.0.0.1", 5432), s.upstream());
        assertEquals(6432, s.listen().port());
    }
}
