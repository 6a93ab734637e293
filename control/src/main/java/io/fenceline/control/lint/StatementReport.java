package io.fenceline.control.lint;

import java.util.List;
import java.util.Optional;

/**
 * Lint's account of one statement.
 *
 * @param index     1-based position in the phase
 * @param sql       the statement as written
 * @param executed  what ran on the scratch database (differs for CONCURRENTLY statements)
 * @param verdict   the verdict
 * @param diff      catalog objects added, removed, changed (empty if the statement failed)
 * @param rewritten relations whose relfilenode changed
 * @param locks     relation locks newly taken
 * @param findings  rules that fired
 * @param error     {@code SQLSTATE: message} if PostgreSQL refused the statement, else null
 */
public record StatementReport(int index, String sql, String executed, Verdict verdict, CatalogDiff diff,
                              List<String> rewritten, List<RelationLock> locks, List<Finding> findings,
                              String error) {

    public StatementReport {
        rewritten = List.copyOf(rewritten);
        locks = List.copyOf(locks);
        findings = List.copyOf(findings);
    }

    /** The strongest lock on a relation that existed before the statement. */
    public Optional<RelationLock> strongestLock() {
        return locks.stream().filter(RelationLock::preExisting).max(java.util.Comparator.comparing(RelationLock::mode));
    }

    /** True if the statement rewrote a relation. */
    public boolean rewrite() {
        return !rewritten.isEmpty();
    }

    /** True if any finding blocks. */
    public boolean blocks() {
        return findings.stream().anyMatch(Finding::blocks);
    }
}
