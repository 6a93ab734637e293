package io.fenceline.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.LintResult;
import io.fenceline.testing.Chart;
import io.fenceline.testing.ChartExamples;
import io.fenceline.testing.HelmChart;
import io.fenceline.testing.KubernetesSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Helm chart through Helm itself ({@link HelmChart}): {@code helm lint --strict} passes, and {@code helm
 * template} with the defaults and with every example the docs show ({@link ChartExamples}) renders objects
 * that Kubernetes' schemas accept ({@link KubernetesSchema}). Besides, every {@code .Values} path a template
 * names exists in {@code values.yaml}, and every value (outside the configuration subtrees rendered
 * verbatim) is used.
 * The configuration subtrees themselves are checked by the loaders' own chart tests
 * ({@code ProxyChartValuesTest}, {@code ControlChartValuesTest}).
 */
class ChartTest {

    /** Subtrees written verbatim into a configuration file: their keys are the loaders' business. */
    private static final Set<String> VERBATIM = Set.of("proxy.config", "control.config");

    private final Chart chart = Chart.fenceline();

    @Test
    void chartAndValuesParse() throws IOException {
        JsonNode meta = Chart.YAML.readTree(Files.readString(chart.dir().resolve("Chart.yaml")));
        assertEquals("v2", meta.path("apiVersion").asText());
        assertEquals("fenceline", meta.path("name").asText());
        assertTrue(meta.path("version").asText().matches("\\d+\\.\\d+\\.\\d+"), meta.toString());
        assertTrue(chart.values().isObject());
    }

    @Test
    void helmLintStrictPasses() {
        LintResult lint = HelmChart.lint();
        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
        assertTrue(lint.getMessages().stream().noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]")),
                String.join("\n", lint.getMessages()));
    }

    /** Every rendering the docs show passes Kubernetes' schemas: the defaults and each documented example. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.fenceline.testing.ChartExamples#all")
    void everyDocumentedRenderingMatchesKubernetesSchemas(ChartExamples.Example example) {
        HelmChart.Rendered r = example.render();
        List<String> problems = new ArrayList<>();
        for (JsonNode o : r.objects()) {
            problems.addAll(KubernetesSchema.problems(o));
        }
        assertEquals(List.of(), problems, r.names().toString());
        assertTrue(r.ofKind("ConfigMap").stream().anyMatch(c -> c.path("data").has("proxy.yaml")), r.names().toString());
        // Every Fenceline container runs the image bin/image builds, as the non-root user the image declares.
        for (Map.Entry<String, JsonNode> c : r.containers().entrySet()) {
            if (c.getKey().endsWith("/postgres")) {
                continue;
            }
            assertEquals("fenceline/fenceline:" + chartMeta().path("appVersion").asText(),
                    c.getValue().path("image").asText(), c.getKey());
        }
    }

    @Test
    void theDefaultRenderingHasTheObjectsOfASidecarRelease() {
        HelmChart.Rendered r = HelmChart.template("eu", List.of(), Map.of());
        assertEquals(new TreeSet<>(List.of("PodDisruptionBudget/eu-fenceline-proxy", "Secret/eu-fenceline-postgres",
                        "ConfigMap/eu-fenceline-proxy", "Service/eu-fenceline-headless", "Service/eu-fenceline",
                        "StatefulSet/eu-fenceline")),
                new TreeSet<>(r.names()));
        JsonNode proxy = r.containers().get("StatefulSet/eu-fenceline/proxy");
        assertEquals("/health", proxy.at("/livenessProbe/httpGet/path").asText());
        assertEquals("admin", proxy.at("/livenessProbe/httpGet/port").asText());
        assertEquals("/ready", proxy.at("/readinessProbe/httpGet/path").asText());
        assertEquals("admin", proxy.at("/readinessProbe/httpGet/port").asText());
        assertEquals(List.of("proxy", "--config", "/etc/fenceline/proxy.yaml"),
                Chart.YAML.convertValue(proxy.path("args"), List.class), proxy.toString());
        JsonNode security = proxy.path("securityContext");
        assertTrue(security.path("runAsNonRoot").asBoolean(), security.toString());
        assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), security.toString());
        assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), security.toString());
    }

    @Test
    void helmRefusesTwoProxiesOfOneGroupInADeployment() {
        Exception e = assertThrows(Exception.class, () -> HelmChart.template("eu", List.of(),
                Map.of("mode", "standalone", "proxy.replicas", 2, "proxy.config.upstream.host", "db")));
        assertTrue(e.getMessage().contains("every proxy needs its own group.proxy_id"), e.getMessage());
    }

    private JsonNode chartMeta() {
        try {
            return Chart.YAML.readTree(Files.readString(chart.dir().resolve("Chart.yaml")));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void everyValuesReferenceExists() {
        JsonNode values = chart.values();
        List<String> missing = new ArrayList<>();
        for (String path : chart.valuesReferences()) {
            JsonNode node = values;
            for (String segment : path.split("\\.")) {
                node = node.path(segment);
            }
            if (node.isMissingNode()) {
                missing.add(".Values." + path);
            }
        }
        assertEquals(List.of(), missing, "templates name values that values.yaml does not have");
        assertTrue(chart.valuesReferences().contains("proxy.config"), "the proxy ConfigMap renders proxy.config");
    }

    @Test
    void everyValueIsUsedByATemplate() {
        TreeSet<String> references = chart.valuesReferences();
        List<String> unused = new ArrayList<>();
        for (String leaf : leaves(chart.values(), "")) {
            boolean used = references.stream().anyMatch(r -> leaf.equals(r) || leaf.startsWith(r + "."));
            if (!used) {
                unused.add(leaf);
            }
        }
        assertEquals(List.of(), unused, "values.yaml keys no template reads");
    }

    @Test
    void theConfigurationFilesAreRenderedVerbatimFromValues() {
        assertTrue(chart.template("proxy-configmap.yaml").contains("toYaml .Values.proxy.config | nindent 4"));
        assertTrue(chart.template("control-configmap.yaml").contains("toYaml .Values.control.config | nindent 4"));
    }

    /** Dotted paths of the leaves of {@code node}, stopping at the verbatim subtrees and at lists. */
    private static List<String> leaves(JsonNode node, String prefix) {
        List<String> out = new ArrayList<>();
        if (VERBATIM.contains(prefix) || !node.isObject() || node.isEmpty()) {
            out.add(prefix);
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.addAll(leaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey()));
        }
        return out;
    }
}
