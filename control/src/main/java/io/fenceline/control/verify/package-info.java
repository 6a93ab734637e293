/**
 * Divergence detection ({@code fenceline verify}): each cluster hashes its rows in primary-key ranges, ranges that
 * differ are bisected down to the rows, and every candidate row is confirmed against the writer once the other
 * clusters have replayed past the moment it was read, so replication lag and a concurrent workload are not
 * reported as divergence. Imports JDBC and control's fleet and history packages; the pure range logic
 * ({@link io.fenceline.control.verify.Bisect}) imports nothing. Auditing and the policies live in
 * {@code io.fenceline.control.reconcile}.
 */
package io.fenceline.control.verify;
