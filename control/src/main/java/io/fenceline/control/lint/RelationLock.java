package io.fenceline.control.lint;

/**
 * A lock a statement newly took on a relation, as {@code pg_locks} showed it inside the transaction.
 *
 * @param relationId  the relation's id in the snapshot ({@code rel:<oid>})
 * @param relation    its qualified name
 * @param kind        what the relation is
 * @param mode        the mode the statement takes in production
 * @param observed    the mode {@code pg_locks} showed; differs from {@code mode} only when the statement was
 *                    linted through its in-transaction equivalent (CONCURRENTLY removed)
 * @param preExisting true if the relation existed before the statement (a lock on a relation the statement
 *                    creates blocks nobody)
 */
public record RelationLock(String relationId, String relation, ObjectKind kind, LockMode mode, LockMode observed,
                           boolean preExisting) {

    @Override
    public String toString() {
        return mode.pgName() + " on " + relation + (observed != mode ? " (observed " + observed.pgName()
                + " for the in-transaction equivalent)" : "");
    }
}
