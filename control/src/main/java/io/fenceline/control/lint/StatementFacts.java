package io.fenceline.control.lint;

import java.util.List;

/**
 * What PostgreSQL showed while one statement ran inside the lint transaction.
 *
 * @param sql                  the statement as the manifest has it
 * @param executed             what lint ran: the same, or its equivalent without CONCURRENTLY
 * @param concurrentEquivalent true if {@code executed} differs from {@code sql} (FL302)
 * @param before               the catalog just before
 * @param after                the catalog just after
 * @param diff                 {@link CatalogDiff#byIdentity} of the two
 * @param rewritten            relations whose relfilenode changed (as they are after)
 * @param locks                relation locks the statement newly took
 * @param sizes                row counts at the start of the step
 */
public record StatementFacts(String sql, String executed, boolean concurrentEquivalent, CatalogSnapshot before,
                             CatalogSnapshot after, CatalogDiff diff, List<CatalogObject> rewritten,
                             List<RelationLock> locks, TableSizes sizes) {

    public StatementFacts {
        rewritten = List.copyOf(rewritten);
        locks = List.copyOf(locks);
    }

    /** True if the relation existed before the statement. */
    public boolean existedBefore(String relationId) {
        return relationId != null && before.get(relationId).isPresent();
    }

    /** The strongest lock on a relation that existed before (the one that can block others). */
    public java.util.Optional<RelationLock> strongestLock() {
        return locks.stream().filter(RelationLock::preExisting)
                .max(java.util.Comparator.comparing(RelationLock::mode));
    }
}
