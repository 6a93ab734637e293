/**
 * What happens when the clusters disagree: the configured policy ({@code policies.on_divergence}: halt,
 * writer_wins, report_only) enforced and audited ({@link io.fenceline.control.reconcile.Enforcement}), and the copy
 * of one cluster's rows over the others' ({@code fenceline reconcile --from C}, {@link
 * io.fenceline.control.reconcile.Reconciler}) with the overwritten rows kept in {@code fenceline.overwritten_rows}.
 * Imports JDBC, config's coordination, keys and records, and control's fleet, verify and rollout (the audit).
 */
package io.fenceline.control.reconcile;
