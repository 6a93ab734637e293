/**
 * Settings of a proxy's membership in a writer group: which group and cluster it serves, which clusters may
 * become the writer, the failover policy and its replication-lag bound, the paused-mode and handoff bounds,
 * and how to reach the local database for the read-only fence. Plain validated records; imports only
 * {@code io.fenceline.config.keys} and the JDK.
 */
package io.fenceline.config.group;
