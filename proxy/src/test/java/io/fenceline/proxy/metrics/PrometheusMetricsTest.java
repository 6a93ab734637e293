package io.fenceline.proxy.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The inspection meters exist from the start (at zero) and count what the inspector reports. */
class PrometheusMetricsTest {

    @Test
    void inspectionMetersAreRegisteredAtStartAndCount() {
        PrometheusMetrics m = new PrometheusMetrics();
        String before = m.scrape();
        for (String series : new String[]{"fenceline_proxy_inspection_cache_total{result=\"hit\"} 0.0",
                "fenceline_proxy_inspection_cache_total{result=\"miss\"} 0.0",
                "fenceline_proxy_inspection_not_understood_total 0.0",
                "fenceline_proxy_inspection_offloaded_total 0.0",
                "fenceline_proxy_inspection_parse_seconds_count 0"}) {
            assertTrue(before.contains(series), series + " missing from:\n" + before);
        }
        m.cacheHit();
        m.cacheHit();
        m.cacheMiss();
        m.parsed(120, 2_000_000);
        m.notUnderstood("select ?", "parser message");
        m.inspectionOffloaded();
        String after = m.scrape();
        for (String series : new String[]{"fenceline_proxy_inspection_cache_total{result=\"hit\"} 2.0",
                "fenceline_proxy_inspection_cache_total{result=\"miss\"} 1.0",
                "fenceline_proxy_inspection_not_understood_total 1.0",
                "fenceline_proxy_inspection_offloaded_total 1.0",
                "fenceline_proxy_inspection_parse_seconds_count 1",
                "fenceline_proxy_inspection_parse_seconds_sum 0.002"}) {
            assertTrue(after.contains(series), series + " missing from:\n" + after);
        }
    }
}
