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
        m.authority(new FixedAuthorityView("main", true, 2.25, false, "paused"));
        String scrape = m.scrape();
        for (String series : new String[]{"fenceline_proxy_lease_held{group=\"main\"} 1.0",
                "fenceline_proxy_lease_deadline_slack_seconds{group=\"main\"} 2.25",
                "fenceline_proxy_writable{group=\"main\"} 0.0",
                "fenceline_proxy_mode{group=\"main\",mode=\"paused\"} 1.0",
                "fenceline_proxy_mode{group=\"main\",mode=\"writable\"} 0.0"}) {
            assertTrue(scrape.contains(series), series + " missing from:\n" + scrape);
        }
    }
    @Test
    void writerEpochAndReplicationLagGauges() {
        PrometheusMetrics m = new PrometheusMetrics();
        long[] epoch = {0};
        double[] lag = {Double.NaN};
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
                return 3;
            }

            @Override
            public boolean writable() {
                return false;
            }

            @Override
            public String mode() {
                return "read-only";
            }

            @Override
            public long writerEpoch() {
                return epoch[0];
            }

            @Override
            public double replicationLagBytes() {
                return lag[0];
            }

            @Override
            public double replicationLagBoundBytes() {
                return 16777216;
            }
        });
        String none = m.scrape();
        for (String series : new String[]{"fenceline_proxy_writer{group=\"main\"} 0.0",
                "fenceline_proxy_writer_epoch{group=\"main\"} 0.0",
                "fenceline_proxy_replication_lag_bytes{group=\"main\"} NaN",
                "fenceline_proxy_replication_lag_bound_bytes{group=\"main\"} 1.6777216E7"}) {
            assertTrue(none.contains(series), series + " missing from:\n" + none);
        }
        epoch[0] = 42;
        lag[0] = 0;
        String held = m.scrape();
        for (String series : new String[]{"fenceline_proxy_writer{group=\"main\"} 1.0",
                "fenceline_proxy_writer_epoch{group=\"main\"} 42.0",
                "fenceline_proxy_replication_lag_bytes{group=\"main\"} 0.0"}) {
            assertTrue(held.contains(series), series + " missing from:\n" + held);
        }
    }

    @Test
    void migrationGaugesExistForEveryStateAndReadTheView() {
        PrometheusMetrics m = new PrometheusMetrics();
        String[] state = {"none"};
        m.migration(new ProxyMetrics.MigrationView() {
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
                return state[0];
            }

            @Override
            public double version() {
                return "none".equals(state[0]) ? Double.NaN : 3;
            }

            @Override
            public double updatedEpochSeconds() {
                return "none".equals(state[0]) ? Double.NaN : 1_700_000_000.5;
            }

            @Override
            public int appliedVersion() {
                return 2;
            }
        });
        String none = m.scrape();
        assertTrue(none.contains("fenceline_proxy_migration_state{group=\"main\",state=\"none\"} 1.0"), none);
        assertTrue(none.contains("fenceline_proxy_migration_version{group=\"main\"} NaN"), none);
        for (String s : PrometheusMetrics.MIGRATION_STATES) {
            assertTrue(none.contains("fenceline_proxy_migration_state{group=\"main\",state=\"" + s + "\"}"), s);
        }
        assertTrue(none.contains("fenceline_proxy_schema_applied_version{cluster=\"eu\",group=\"main\"} 2.0"), none);
        state[0] = "halted";
        String halted = m.scrape();
        assertTrue(halted.contains("fenceline_proxy_migration_state{group=\"main\",state=\"halted\"} 1.0"), halted);
        assertTrue(halted.contains("fenceline_proxy_migration_state{group=\"main\",state=\"none\"} 0.0"), halted);
        assertTrue(halted.contains("fenceline_proxy_migration_version{group=\"main\"} 3.0"), halted);
        assertTrue(halted.contains("fenceline_proxy_migration_updated_timestamp_seconds{group=\"main\"} 1.7000000005E9"), halted);
    }

    @Test
    void migrationStatesAreTheJournalsStates() {
        java.util.List<String> journal = new java.util.ArrayList<>(java.util.List.of("none"));
        for (io.fenceline.config.records.MigrationJournal.State s : io.fenceline.config.records.MigrationJournal.State.values()) {
            journal.add(s.text());
        }
        assertEquals(journal, PrometheusMetrics.MIGRATION_STATES);
    }
}
