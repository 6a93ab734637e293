package io.fenceline.control.history;

/** What happened when control asked a cluster to run one phase (up or down). */
public sealed interface StepOutcome {

    /** The SQL ran and the history row was written in the same transaction (or after verification). */
    record Applied(int statements) implements StepOutcome {}

    /** A history row for this phase and direction already exists: nothing ran (a retried step). */
    record AlreadyApplied() implements StepOutcome {}

    /** The cluster has seen a larger control epoch: this control instance is stale and ran nothing. */
    record StaleEpoch(long ours, long seen) implements StepOutcome {}

    /** Control's leader lease was not writable at the last check; the transaction was rolled back. */
    record LeaseLost(String when) implements StepOutcome {}

    /**
     * PostgreSQL refused a statement; the transaction was rolled back (statements that ran outside a
     * transaction stay, and are idempotent on retry).
     */
    record Failed(int statementIndex, String sql, String sqlState, String message) implements StepOutcome {}
}
