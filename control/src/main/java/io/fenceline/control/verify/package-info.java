/**
 * Divergence detection ({@code fenceline verify}): each cluster hashes its rows in primary-key ranges, ranges that
 * differ are bisected down to the rows, and every candidate row is confirmed against the writer once the other
 * clusters have replayed past the moment it was read, so replication lag and a concurrent workload are not
 * reported as divergence. Imports JDBC, config's records and keys, and control's fleet, history and rollout
 * (the audit trail); the pure range logic ({@link io.fenceline.control.verify.Bisect}) imports nothing.
 */
package io.fenceline.control.verify;
