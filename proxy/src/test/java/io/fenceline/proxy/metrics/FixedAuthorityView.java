package io.fenceline.proxy.metrics;

/** A write authority whose gauges read fixed values, for the tests of the scrape. */
record FixedAuthorityView(String group, boolean leaseHeld, double deadlineSlackSeconds, boolean writable,
                          String mode) implements ProxyMetrics.AuthorityView {
}
