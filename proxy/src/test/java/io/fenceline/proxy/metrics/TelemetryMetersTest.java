package io.fenceline.proxy.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replication and group-wide series, with their exact names, labels and values, in the Prometheus text. */
class TelemetryMetersTest {

    @Test
    void theScrapeCarriesLagSecondsLatencyPerPairDriftStepsAndWaits() {
        PrometheusMetrics metrics = new PrometheusMetrics();
        FixedTelemetry.register(metrics);
        String text = metrics.scrape();
        List<String> expected = List.of(
                "fenceline_proxy_replication_lag_seconds{cluster=\"us\",group=\"main\"} 3.0",
                "fenceline_proxy_replication_apply_latency_seconds_count{cluster=\"us\",group=\"main\",upstream=\"eu\"} 1",
                "fenceline_proxy_group_applied_version{cluster=\"us\",group=\"main\"} 2.0",
                "fenceline_proxy_group_newest_applied_version{group=\"main\"} 3.0",
                "fenceline_proxy_group_clusters_behind{group=\"main\"} 1.0",
                "fenceline_proxy_group_connections{cluster=\"us\",group=\"main\",version=\"3\"} 2.0",
                "fenceline_proxy_migration_steps{cluster=\"us\",group=\"main\",outcome=\"failed\"} 1.0",
                "fenceline_proxy_migration_steps{cluster=\"us\",group=\"main\",outcome=\"rolled_back\"} 1.0",
                "fenceline_proxy_migration_wait_seconds{group=\"main\",kind=\"gate\"} 42.0",
                "fenceline_proxy_migration_wait_seconds{group=\"main\",kind=\"cooldown\"} 0.0");
        for (String line : expected) {
            assertTrue(text.contains(line + "\n"), "missing " + line + " in:\n" + text);
        }
        assertTrue(text.contains("fenceline_proxy_replication_apply_latency_seconds_bucket{cluster=\"us\",group=\"main\",upstream=\"eu\",le="),
                "a histogram: " + text);
        assertEquals(1, text.lines().filter(l -> l.startsWith("fenceline_proxy_replication_lag_seconds{")).count());
    }
}
