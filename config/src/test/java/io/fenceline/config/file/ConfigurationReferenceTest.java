package io.fenceline.config.file;

import io.fenceline.testing.KeyProbe;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code docs/configuration.md} documents exactly the keys {@link ProxySettingsLoader} accepts. The accepted
 * keys come from the loader itself (its "unknown key" problems name the known keys of each section), so a
 * key added to the loader without a line in the reference fails here, and so does a documented key the
 * loader no longer knows.
 */
class ConfigurationReferenceTest {

    private static final String HEADING = "Proxy";

    @Test
    void theReferenceDocumentsEveryKeyTheProxyLoaderAccepts() {
        TreeSet<String> accepted = new KeyProbe(yaml -> problems(ProxySettingsLoader.parse(yaml, "probe.yaml", Path.of("."))))
                .acceptedKeys();
        assertTrue(accepted.containsAll(List.of("listen", "listen.port", "upstream.socket", "limits.max_connections")),
                "the probe found: " + accepted);
        TreeSet<String> documented = KeyProbe.documentedKeys(HEADING);
        assertEquals(new TreeSet<>(), KeyProbe.missing(accepted, documented),
                "keys the proxy accepts that docs/configuration.md does not document");
        assertEquals(new TreeSet<>(), KeyProbe.missing(documented, accepted),
                "keys docs/configuration.md documents that the proxy does not accept");
    }

    private static List<KeyProbe.Problem> problems(ConfigResult<ProxySettings> result) {
        return result instanceof ConfigResult.Invalid<ProxySettings> invalid
                ? invalid.problems().stream().map(p -> new KeyProbe.Problem(p.key(), p.message())).toList()
                : List.of();
    }
}
