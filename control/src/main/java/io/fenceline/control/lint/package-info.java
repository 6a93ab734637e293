/**
 * Lint from what PostgreSQL actually does: each statement of a migration step runs inside a transaction
 * on a scratch database, the catalog is diffed before and after, table rewrites (relfilenode changes) and
 * the locks taken ({@code pg_locks}) are read, everything is rolled back, and one table of rules
 * ({@link io.fenceline.control.lint.LintRule}) turns those facts into a verdict.
 * May import JDBC, SLF4J, {@code io.fenceline.config.manifest} and the batch placeholder rule of
 * {@code io.fenceline.control.history.Batches}; nothing of the proxy or of etcd.
 */
package io.fenceline.control.lint;
