package io.fenceline.control.lint;

import java.time.Duration;
import java.util.Set;

/**
 * How lint judges sizes and what the operator allowed.
 *
 * @param assumeExistingTablesNonEmpty treat every table that exists before the step as non-empty, whatever
 *                                     the scratch database holds (right for a schema-only scratch database)
 * @param bigTableRows                 tables with more rows than this (counted on the scratch database)
 *                                     make any ACCESS EXCLUSIVE lock dangerous (FL206)
 * @param allowed                      dangerous rules the operator explicitly allowed
 * @param statementTimeout             {@code statement_timeout} on the scratch database when the manifest sets
 *                                     none
 * @param lockTimeout                  {@code lock_timeout} on the scratch database when the manifest sets none
 */
public record LintOptions(boolean assumeExistingTablesNonEmpty, long bigTableRows, Set<LintRule> allowed,
                          Duration statementTimeout, Duration lockTimeout) {

    /** Sizes as observed, big tables above one million rows, nothing allowed, 60 s / 10 s timeouts. */
    public static final LintOptions DEFAULTS = new LintOptions(false, 1_000_000, Set.of(),
            Duration.ofSeconds(60), Duration.ofSeconds(10));

    public LintOptions {
        allowed = Set.copyOf(allowed);
        if (bigTableRows < 1) {
            throw new IllegalArgumentException("bigTableRows must be >= 1, got " + bigTableRows);
        }
    }

    public LintOptions withAssumeExistingTablesNonEmpty(boolean assume) {
        return new LintOptions(assume, bigTableRows, allowed, statementTimeout, lockTimeout);
    }

    public LintOptions withBigTableRows(long rows) {
        return new LintOptions(assumeExistingTablesNonEmpty, rows, allowed, statementTimeout, lockTimeout);
    }

    public LintOptions withAllowed(Set<LintRule> rules) {
        return new LintOptions(assumeExistingTablesNonEmpty, bigTableRows, rules, statementTimeout, lockTimeout);
    }
}
