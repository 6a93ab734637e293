package io.fenceline.proxy.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fenceline.testing.ArchitectureRules;
import io.fenceline.testing.PrometheusServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alerting rules ({@code charts/fenceline/files/fenceline-rules.yaml}) pass Prometheus's own checks:
 * {@code promtool check rules}, and {@code promtool test rules} on
 * {@code proxy/src/test/prometheus/fenceline-rules-test.yaml}, which holds for every alert a case that fires (with
 * its labels and annotations) and a case that must not. A failing rule test fails the build here.
 */
class PrometheusRulesIT {

    static final Path RULES = ArchitectureRules.moduleDir().resolve("../charts/fenceline/files/fenceline-rules.yaml").normalize();
    static final Path RULE_TESTS = ArchitectureRules.moduleDir().resolve("src/test/prometheus/fenceline-rules-test.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void promtoolChecksTheRules() throws Exception {
        String out = promtool("check", "rules", RULES.toString());
        assertTrue(out.contains("SUCCESS: " + alerts().size() + " rules found"), out);
    }

    @Test
    void promtoolUnitTestsPass() throws Exception {
        String out = promtool("test", "rules", RULE_TESTS.toString());
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void everyAlertHasAFiringAndAQuietCase() throws IOException {
        Set<String> firing = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode test : YAML.readTree(RULE_TESTS.toFile()).path("tests")) {
            for (JsonNode c : test.path("alert_rule_test")) {
                String name = c.path("alertname").asText();
                (c.path("exp_alerts").isEmpty() ? quiet : firing).add(name);
            }
        }
        assertEquals(alerts(), firing, "alerts with a case that fires");
        assertEquals(alerts(), quiet, "alerts with a case that stays quiet");
    }

    @Test
    void everyAlertIsInTheOperatorsPlaybook() throws IOException {
        String ops = Files.readString(ArchitectureRules.moduleDir().resolve("../docs/operations.md"), StandardCharsets.UTF_8);
        int section = ops.indexOf("\n## Alerts");
        assertTrue(section >= 0, "docs/operations.md has no section Alerts");
        List<String> missing = new ArrayList<>();
        for (String alert : alerts()) {
            if (!ops.substring(section).contains("`" + alert + "`")) {
                missing.add(alert);
            }
        }
        assertEquals(List.of(), missing, "alerts not described in docs/operations.md#alerts");
    }

    /** The names of the rules file's alerts. */
    static Set<String> alerts() throws IOException {
        Set<String> names = new TreeSet<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                names.add(rule.path("alert").asText());
            }
        }
        return names;
    }

    /** The expressions of the rules file's alerts, by name. */
    static java.util.Map<String, String> expressions() throws IOException {
        java.util.Map<String, String> exprs = new java.util.TreeMap<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                exprs.put(rule.path("alert").asText(), rule.path("expr").asText());
            }
        }
        return exprs;
    }

    private static String promtool(String... args) throws Exception {
        Path promtool = PrometheusServer.promtool().orElseThrow(() -> new AssertionError(
                "promtool is not on the PATH: apt-get install -y prometheus (bin/lib/prometheus.sh)"));
        List<String> command = new ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "promtool did not finish: " + out);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }
}
