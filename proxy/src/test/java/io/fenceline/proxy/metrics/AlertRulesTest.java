package io.fenceline.proxy.metrics;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alerting rules ({@code charts/fenceline/files/fenceline-rules.yaml}) query only series the proxy exports:
 * every {@code fenceline_…} name in an alert's expression is a sample name of {@link PrometheusMetrics#scrape()}
 * with the write authority and the migration gauges registered.
 */
class AlertRulesTest {

    private static final Pattern METRIC = Pattern.compile("\\b(fenceline_[a-z0-9_]+)\\b");

    @Test
    void everySeriesAnAlertQueriesIsExported() throws IOException {
        PrometheusMetrics metrics = new PrometheusMetrics();
        metrics.authority(new FixedAuthorityView("main", true, 3, true, "writable"));
        FixedTelemetry.register(metrics);
        metrics.migration(new ProxyMetrics.MigrationView() {
            @Override
            public String group() {
                return "main";
            }

            @Override
            public String cluster() {
                return "eu";
            }

            @Override
            public String state() {
                return "none";
            }

            @Override
            public double version() {
                return Double.NaN;
            }

            @Override
            public double updatedEpochSeconds() {
                return Double.NaN;
            }

            @Override
            public int appliedVersion() {
                return 0;
            }
        });
        Set<String> samples = new TreeSet<>();
        for (String line : metrics.scrape().split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                samples.add(line.split("[{ ]", 2)[0]);
            }
        }
        List<String> problems = new ArrayList<>();
        Map<String, String> exprs = PrometheusRulesIT.expressions();
        assertTrue(exprs.size() >= 10, "alerts: " + exprs.keySet());
        exprs.forEach((alert, expr) -> {
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                if (!samples.contains(m.group(1))) {
                    problems.add(alert + ": series " + m.group(1) + " is not exported");
                }
            }
        });
        assertEquals(List.of(), problems, "exported: " + samples);
    }
}
