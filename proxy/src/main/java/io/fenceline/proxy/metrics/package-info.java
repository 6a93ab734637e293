/**
 * Metrics: the {@link io.fenceline.proxy.metrics.ProxyMetrics} interface the data path calls (every
 * method does nothing by default; it is also the inspector's {@code InspectionListener}) and its
 * Micrometer/Prometheus implementation. The only package that
 * may import Micrometer.
 */
package io.fenceline.proxy.metrics;
