package io.fenceline.proxy.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fenceline.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard {@code docs/grafana/fenceline.json} queries only what the proxy exports: every
 * {@code fenceline_…} series name in its queries is a sample name of {@link PrometheusMetrics#scrape()},
 * and every label it groups or filters by is one the proxy's samples carry (or a label Prometheus adds to
 * every target).
 */
class DashboardTest {

    private static final Path DASHBOARD = ArchitectureRules.moduleDir().resolve("../docs/grafana/fenceline.json").normalize();
    /** The chart ships the same dashboard (Helm reads only files inside the chart). */
    private static final Path CHART_COPY = ArchitectureRules.moduleDir().resolve("../charts/fenceline/dashboards/fenceline.json")
            .normalize();
    private static final Pattern METRIC = Pattern.compile("\\b(fenceline_[a-z0-9_]+)\\b");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? ");
    private static final Pattern LABEL_IN_SAMPLE = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    private static final Pattern BY = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");
    private static final Pattern MATCHERS = Pattern.compile("\\{([^}]*)}");
    private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*[a-z_]+\\s*,\\s*([a-z_]+)\\s*\\)");
    /** Labels Prometheus attaches to every scraped series (target labels, including the operator's). */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job", "namespace", "pod", "service", "container");

    @Test
    void everyQueriedSeriesAndLabelIsExportedByTheProxy() throws IOException {
        PrometheusMetrics metrics = new PrometheusMetrics();
        metrics.error("25006");
        // Connections per schema version exist once a schema: section runs (a series per version seen).
        metrics.schemaConnections(() -> Map.of(11, 3, 12, 5));
        // The write authority's gauges exist once a group: section starts the authority.
        metrics.authority(new FixedAuthorityView("main", true, 3.0, true, "writable"));
        FixedTelemetry.register(metrics);
        // The migration panels query the journal's gauges, which exist once the authority follows the journal.
        metrics.migration(new FixedMigrationView("main", "eu", "expanding", 2, 1.7e9, 1));
        Set<String> samples = new TreeSet<>();
        Set<String> labels = new HashSet<>(TARGET_LABELS);
        for (String line : metrics.scrape().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.find()) {
                samples.add(m.group(1));
                if (m.group(2) != null) {
                    Matcher l = LABEL_IN_SAMPLE.matcher(m.group(2));
                    while (l.find()) {
                        labels.add(l.group(1));
                    }
                }
            }
        }

        List<String> queries = queries(new ObjectMapper().readTree(DASHBOARD.toFile()));
        assertTrue(queries.size() >= 15, "queries found: " + queries);
        List<String> problems = new ArrayList<>();
        Set<String> queried = new TreeSet<>();
        for (String q : queries) {
            Matcher m = METRIC.matcher(q);
            while (m.find()) {
                queried.add(m.group(1));
                if (!samples.contains(m.group(1))) {
                    problems.add("series " + m.group(1) + " is not exported (query: " + q + ")");
                }
            }
            for (String label : labelsUsed(q)) {
                if (!labels.contains(label)) {
                    problems.add("label " + label + " is on no exported series (query: " + q + ")");
                }
            }
        }
        assertEquals(List.of(), problems, "exported samples: " + samples);
        assertFalse(queried.isEmpty());
    }

    @Test
    void theChartShipsTheSameDashboard() throws IOException {
        assertEquals(Files.readString(DASHBOARD), Files.readString(CHART_COPY),
                "charts/fenceline/dashboards/fenceline.json must be a copy of docs/grafana/fenceline.json");
    }

    @Test
    void panelsAreWellFormed() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "duplicate panel id " + panel.path("id"));
            JsonNode pos = panel.path("gridPos");
            assertTrue(pos.path("x").asInt() + pos.path("w").asInt() <= 24, "panel wider than the grid: " + panel.path("title"));
            if (!"row".equals(panel.path("type").asText())) {
                assertEquals("${datasource}", panel.at("/datasource/uid").asText(), panel.path("title").asText());
                assertFalse(panel.path("targets").isEmpty(), "panel without queries: " + panel.path("title"));
                assertFalse(panel.path("description").asText().isBlank(), "panel without description: " + panel.path("title"));
            }
        }
    }

    private static List<String> queries(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if ((e.getKey().equals("expr") || e.getKey().equals("definition")) && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    out.addAll(queries(e.getValue()));
                }
            }
        } else if (node.isArray()) {
            node.forEach(n -> out.addAll(queries(n)));
        }
        return out;
    }

    private static Set<String> labelsUsed(String query) {
        Set<String> used = new TreeSet<>();
        Matcher by = BY.matcher(query);
        while (by.find()) {
            for (String l : by.group(1).split(",")) {
                if (!l.isBlank()) {
                    used.add(l.strip());
                }
            }
        }
        Matcher matchers = MATCHERS.matcher(query);
        while (matchers.find()) {
            Matcher l = MATCHER_LABEL.matcher(matchers.group(1));
            while (l.find()) {
                used.add(l.group(1));
            }
        }
        Matcher values = LABEL_VALUES.matcher(query);
        while (values.find()) {
            used.add(values.group(1));
        }
        return used;
    }
}
