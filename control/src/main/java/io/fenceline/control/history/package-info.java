/**
 * The per-cluster side of applying a step: the {@code fenceline.history} and {@code fenceline.epoch} tables,
 * the epoch-guarded transaction that runs a phase's SQL and writes its history row at once, and the
 * idempotent path for statements that cannot run in a transaction. Imports JDBC and config's manifests only.
 */
package io.fenceline.control.history;
