package io.fenceline.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.fenceline.testing.Chart;
import org.junit.jupiter.api.Test;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Helm chart's structure without a {@code helm} binary: its YAML files parse, each template is a
 * well-formed YAML skeleton of Kubernetes objects, every {@code .Values} path a template names exists in
 * {@code values.yaml}, and every value (outside the configuration subtrees rendered verbatim) is used.
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
    void everyTemplateIsAWellFormedSkeletonOfKubernetesObjects() throws IOException {
        List<String> problems = new ArrayList<>();
        int objects = 0;
        for (Map.Entry<String, String> t : chart.templates().entrySet()) {
            if (!t.getKey().endsWith(".yaml")) {
                continue;
            }
            List<JsonNode> docs;
            try {
                docs = Chart.documents(Chart.skeleton(t.getValue()));
            } catch (IOException e) {
                problems.add(t.getKey() + ": not YAML once the template actions are replaced: " + e.getMessage());
                continue;
            }
            for (JsonNode doc : docs) {
                objects++;
                for (String key : List.of("apiVersion", "kind", "metadata")) {
                    if (!doc.has(key)) {
                        problems.add(t.getKey() + ": a document without " + key + ": " + doc);
                    }
                }
                if (!doc.path("metadata").has("name")) {
                    problems.add(t.getKey() + ": a document without metadata.name: " + doc);
                }
            }
        }
        assertEquals(List.of(), problems);
        // StatefulSet, proxy Deployment, two Services, two PDBs, ServiceMonitor, PrometheusRule, four Secrets, four
        // ConfigMaps, control Deployment: the skeleton keeps every conditional object.
        assertEquals(17, objects, "objects found in the templates");
    }

    @Test
    void helperFragmentsAreWellFormedYaml() {
        List<String> problems = new ArrayList<>();
        Map<String, String> defines = chart.defines();
        assertTrue(defines.keySet().containsAll(List.of("fenceline.proxyContainer", "fenceline.proxyVolumes",
                "fenceline.labels")), defines.keySet().toString());
        for (Map.Entry<String, String> d : defines.entrySet()) {
            try {
                Chart.documents(Chart.skeleton(d.getValue()));
            } catch (IOException e) {
                problems.add(d.getKey() + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theProxyContainerHasProbesOnTheAdminPortAndRunsLocked() throws IOException {
        JsonNode container = Chart.documents(Chart.skeleton(chart.defines().get("fenceline.proxyContainer"))).get(0).get(0);
        assertEquals("/health", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals("admin", container.at("/livenessProbe/httpGet/port").asText());
        assertEquals("/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("admin", container.at("/readinessProbe/httpGet/port").asText());
        JsonNode security = chart.value("proxy.securityContext");
        assertTrue(security.path("runAsNonRoot").asBoolean());
        assertTrue(security.path("readOnlyRootFilesystem").asBoolean());
        assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true));
        assertTrue(chart.value("control.securityContext").path("readOnlyRootFilesystem").asBoolean());
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
