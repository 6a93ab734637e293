/**
 * Lint from what PostgreSQL actually does: each statement of a migration step runs inside a transaction
 * on a scratch database, the catalog is diffed before and after, table rewrites (relfilenode changes) and
 * the locks taken ({@code pg_locks}) are read, everything is rolled back, and one table of rules
 * ({@link io.fenceline.control.lint.LintRule}) turns those facts into a verdict.
 * A walk through a run's schema states ({@link io.fenceline.control.lint.SchemaWalk}) gives the compatibility matrix (which application versions can run
 * against each state) and the plan checks (the applications' statements EXPLAINed before and after every step).
 * May import JDBC, SLF4J, Jackson (to read EXPLAIN's JSON), {@code io.fenceline.config.manifest} and the batch
 * placeholder rule of
 * {@code io.fenceline.control.history.Batches}; nothing of the proxy or of etcd.
 */
package io.fenceline.control.lint;
