package io.fenceline.proxy.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The write-authority meters: counters exist from the start (at zero), gauges read the authority's view. */
class AuthorityMetricsTest {

    @Test
    void countersAreRegisteredAtStartAndCount() {
        PrometheusMetrics m = new PrometheusMetrics();
        String before = m.scrape();
        for (String series : new String[]{"fenceline_proxy_writes_rejected_total{sqlstate=\"25006\"} 0.0",
                "fenceline_proxy_writes_rejected_total{sqlstate=\"57014\"} 0.0",
                "fenceline_proxy_writes_held_total 0.0",
                "fenceline_proxy_commits_rolled_back_total 0.0",
                "fenceline_proxy_write_cancels_total 0.0",
                "fenceline_proxy_fence_transactions_wrote_total 0.0",
                "fenceline_proxy_statements_total 0.0"}) {
            assertTrue(before.contains(series), series + " missing from:\n" + before);
        }
        m.writeRejected("25006");
        m.writeRejected("25006");
        m.writeHeld();
        m.commitRolledBack();
        m.cancelSent();
        m.wroteInDatabase();
        m.statement();
        m.error("25006");
        String after = m.scrape();
        for (String series : new String[]{"fenceline_proxy_writes_rejected_total{sqlstate=\"25006\"} 2.0",
                "fenceline_proxy_writes_held_total 1.0",
                "fenceline_proxy_commits_rolled_back_total 1.0",
                "fenceline_proxy_write_cancels_total 1.0",
                "fenceline_proxy_fence_transactions_wrote_total 1.0",
                "fenceline_proxy_statements_total 1.0"}) {
            assertTrue(after.contains(series), series + " missing from:\n" + after);
        }
        assertEquals(1, m.statements());
        assertEquals(1, m.errors());
    }

    @Test
    void gaugesReadTheAuthority() {
        PrometheusMetrics m = new PrometheusMetrics();
        m.authority(new ProxyMetrics.AuthorityView() {
            @Override
            public String group() {
                return "main";
            }

            @Override
            public boolean leaseHeld() {
                return true;
            }

            @Override
            public double deadlineSlackSeconds() {
                return 2.25;
            }

            @Override
            public boolean writable() {
                return false;
            }

            @Override
            public String mode() {
                return "paused";
            }
        });
        String scrape = m.scrape();
        for (String series : new String[]{"fenceline_proxy_lease_held{group=\"main\"} 1.0",
                "fenceline_proxy_lease_deadline_slack_seconds{group=\"main\"} 2.25",
                "fenceline_proxy_writable{group=\"main\"} 0.0",
                "fenceline_proxy_mode{group=\"main\",mode=\"paused\"} 1.0",
                "fenceline_proxy_mode{group=\"main\",mode=\"writable\"} 0.0"}) {
            assertTrue(scrape.contains(series), series + " missing from:\n" + scrape);
        }
    }
}
