package io.fenceline.control.lint;

/** What lint concludes about one statement, from least to most severe. */
public enum Verdict {
    /** Both the old and the new application version keep working: may run in expand. */
    COMPATIBLE,
    /** Breaks clients of the old version: only in contract, after the old version drains. */
    BREAKING,
    /** Risks an outage or data (long blocking locks, rewrites, data loss): refused without an override. */
    DANGEROUS,
    /** PostgreSQL refused the statement on the scratch database; it would fail in production too. */
    FAILED
}
