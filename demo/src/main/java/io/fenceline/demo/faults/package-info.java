/**
 * Randomized fault schedules against one recorded history ({@code bin/faults}): three clusters with logical
 * replication, a proxy per cluster, a three-member etcd, pgJDBC writers through every proxy, faults drawn from a
 * seed, and a checker that takes its verdict from the databases' rows (the cluster each row was committed on and
 * its commit timestamp). Reuses the demo's fleet pieces and the test fixtures of {@code io.fenceline.testing};
 * imports config, the fixtures, pgJDBC and the JDK.
 */
package io.fenceline.demo.faults;
