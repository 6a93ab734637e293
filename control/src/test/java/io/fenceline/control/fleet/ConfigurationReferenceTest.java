package io.fenceline.control.fleet;

import io.fenceline.testing.KeyProbe;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code docs/configuration.md} documents exactly the keys {@link FleetConfigLoader} accepts, as read from
 * the loader's own "unknown key" problems (see {@link KeyProbe}).
 */
class ConfigurationReferenceTest {

    private static final String HEADING = "Control";

    @Test
    void theReferenceDocumentsEveryKeyTheFleetLoaderAccepts() {
        TreeSet<String> accepted = new KeyProbe(yaml -> problems(FleetConfigLoader.parse("probe.yaml", yaml, name -> null)))
                .acceptedKeys();
        assertTrue(accepted.containsAll(List.of("group", "etcd.endpoints", "clusters[].jdbc_url", "policies.gate_timeout")),
                "the probe found: " + accepted);
        TreeSet<String> documented = KeyProbe.documentedKeys(HEADING);
        assertEquals(new TreeSet<>(), KeyProbe.missing(accepted, documented),
                "keys control accepts that docs/configuration.md does not document");
        assertEquals(new TreeSet<>(), KeyProbe.missing(documented, accepted),
                "keys docs/configuration.md documents that control does not accept");
    }

    /** Problems come as "source: key: message". */
    private static List<KeyProbe.Problem> problems(FleetConfigLoader.Result result) {
        if (!(result instanceof FleetConfigLoader.Result.Invalid invalid)) {
            return List.of();
        }
        return invalid.problems().stream().map(p -> {
            String rest = p.substring("probe.yaml: ".length());
            int colon = rest.indexOf(": ");
            if (colon < 0) {
                return new KeyProbe.Problem("", rest);
            }
            return new KeyProbe.Problem(rest.substring(0, colon), rest.substring(colon + 2));
        }).toList();
    }
}
