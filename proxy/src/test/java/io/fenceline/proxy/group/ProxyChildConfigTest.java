package io.fenceline.proxy.group;

import io.fenceline.config.file.ConfigResult;
import io.fenceline.config.file.ProxySettingsLoader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The files the ITs give their child proxies are valid for the loader (a typo would only show as a child exiting). */
class ProxyChildConfigTest {

    @Test
    void theGeneratedConfigurationsLoad() {
        for (ProxyChild.Spec spec : List.of(ProxyChild.Spec.of("g1", "a", null),
                ProxyChild.Spec.of("g1", "b", "sub_a").withFailover("manual").withLease(Duration.ofSeconds(5), Duration.ofMillis(500)),
                ProxyChild.Spec.of("g1", "a", null).withoutAuthority())) {
            String yaml = ProxyChild.yaml(spec, 5432, "postgres", List.of(2379, 2380, 2381), 6432, 9187);
            ConfigResult<?> r = ProxySettingsLoader.parse(yaml, "test.yaml", null);
            assertInstanceOf(ConfigResult.Valid.class, r, () -> yaml + "\n" + r);
        }
    }
}
