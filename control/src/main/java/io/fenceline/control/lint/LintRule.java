package io.fenceline.control.lint;

/**
 * The lint rules: one table of ids, levels and explanations. Ids are stable (documented in
 * {@code docs/migrations.md}); {@code FL0xx} are errors running the step, {@code FL1xx} breaking
 * changes, {@code FL2xx} dangerous operations, {@code FL3xx} notes, {@code FL4xx} phase and down-path
 * errors. The facts a rule looks at come from PostgreSQL (catalog diff, relfilenode, pg_locks); the
 * detection lives in {@link Rules}.
 */
public enum LintRule {
    FL001("statement-failed", Level.ERROR,
            "PostgreSQL refused the statement on the scratch database, so it would fail in production too."
                    + " Statements after it in the step were not linted."),
    FL002("setup-failed", Level.ERROR,
            "An earlier phase or version that this step builds on failed on the scratch database, so the step"
                    + " could not be linted."),

    FL101("table-dropped", Level.BREAKING,
            "A table the old application version reads or writes is dropped. Drop it in contract, after no"
                    + " connection uses the old version."),
    FL102("column-dropped", Level.BREAKING,
            "A column the old application version may select or insert is dropped. Stop using it in the new"
                    + " version first, and drop it in contract."),
    FL103("relation-renamed", Level.BREAKING,
            "A table, view or sequence is renamed: the old version's statements name the old relation. Add the"
                    + " new relation (or a view) in expand and remove the old one in contract."),
    FL104("column-renamed", Level.BREAKING,
            "A column is renamed: the old version's statements name the old column. Add the new column in"
                    + " expand, backfill it, and drop the old one in contract."),
    FL105("column-type-changed", Level.BREAKING,
            "A column's type changes in a way clients can see (other than widening a varchar or numeric"
                    + " precision, or varchar to text). Add a column of the new type instead."),
    FL106("not-null-added", Level.BREAKING,
            "An existing column becomes NOT NULL: the old version may still insert rows without it."),
    FL107("required-column-added", Level.BREAKING,
            "A NOT NULL column without a default is added to an existing table: every INSERT of the old version"
                    + " (which does not know the column) fails. Give it a default, or add it nullable."),
    FL108("object-dropped", Level.BREAKING,
            "A view, materialized view, sequence, type, function or schema the old version may use is"
                    + " dropped. Drop it in contract."),
    FL109("enum-label-removed", Level.BREAKING,
            "An enum label is renamed or removed: the old version may still write the old label."
                    + " Adding labels is compatible."),
    FL110("privilege-revoked", Level.BREAKING,
            "A privilege is revoked: the old version's role may need it. Revoke in contract."),
    FL111("default-dropped", Level.BREAKING,
            "A column loses its default: the old version's INSERTs that omit it now store NULL or fail."),

    FL201("table-rewrite", Level.DANGEROUS,
            "The statement rewrites a non-empty table (its relfilenode changes) while holding ACCESS EXCLUSIVE:"
                    + " every read and write waits for the whole copy. Add a new column and backfill instead, or"
                    + " choose a change PostgreSQL can make in place."),
    FL202("index-without-concurrently", Level.DANGEROUS,
            "An index (or a UNIQUE / PRIMARY KEY constraint's index) is built on a non-empty table without"
                    + " CONCURRENTLY: writes wait for the whole build. Use CREATE INDEX CONCURRENTLY, then"
                    + " ADD CONSTRAINT ... USING INDEX."),
    FL203("foreign-key-validated", Level.DANGEROUS,
            "A foreign key is added and validated at once on a non-empty table: both tables are scanned while"
                    + " writes are blocked. Add it NOT VALID, then VALIDATE CONSTRAINT in a later step."),
    FL204("check-validated", Level.DANGEROUS,
            "A CHECK constraint is added and validated at once on a non-empty table: the table is scanned under"
                    + " ACCESS EXCLUSIVE. Add it NOT VALID, then VALIDATE CONSTRAINT in a later step."),
    FL205("not-null-scan", Level.DANGEROUS,
            "SET NOT NULL on a non-empty table scans it under ACCESS EXCLUSIVE. First add"
                    + " CHECK (col IS NOT NULL) NOT VALID and validate it; PostgreSQL then skips the scan."),
    FL206("access-exclusive-big-table", Level.DANGEROUS,
            "ACCESS EXCLUSIVE is taken on a table larger than the configured size: even a short hold queues"
                    + " every query behind it while it waits for running transactions."),
    FL207("truncate", Level.DANGEROUS,
            "TRUNCATE deletes every row of a non-empty table."),
    FL208("not-lintable", Level.DANGEROUS,
            "The statement cannot run inside a transaction and Fenceline knows no in-transaction equivalent,"
                    + " so its effect and locks could not be observed."),

    FL301("access-exclusive", Level.NOTE,
            "ACCESS EXCLUSIVE is taken on an existing table: brief, but it waits behind running transactions"
                    + " and everything queues behind it. Set options.lock_timeout."),
    FL302("concurrent-equivalent", Level.NOTE,
            "The statement cannot run in a transaction; lint ran its equivalent without CONCURRENTLY to observe"
                    + " the catalog change and reports the lock CONCURRENTLY takes (SHARE UPDATE EXCLUSIVE)."),
    FL303("constraint-not-valid", Level.NOTE,
            "The constraint is added NOT VALID: new rows are checked, existing ones are not until VALIDATE"
                    + " CONSTRAINT runs (a later step; it takes only SHARE UPDATE EXCLUSIVE)."),
    FL304("constraint-added", Level.NOTE,
            "A constraint is added to an existing table: writes of the old version that violate it will fail."),
    FL305("no-down", Level.NOTE,
            "The phase has no down SQL (a Flyway import without a U file): it cannot be rolled back."),
    FL306("phases-replayed", Level.NOTE,
            "Lint could not copy the scratch database, so it replayed the earlier phases inside this phase's"
                    + " transaction: a lock those phases already took is not reported again for this phase."),

    FL401("breaking-before-contract", Level.ERROR,
            "A breaking change is in the expand or backfill phase, while the old version is still running."
                    + " Move it to contract."),
    FL402("down-does-not-restore", Level.ERROR,
            "Running the phase and then its down SQL leaves a catalog different from the one before."),
    FL403("down-failed", Level.ERROR,
            "The down SQL fails after the phase's SQL on the scratch database.");

    private final String slug;
    private final Level level;
    private final String explanation;

    LintRule(String slug, Level level, String explanation) {
        this.slug = slug;
        this.level = level;
        this.explanation = explanation;
    }

    /** The id, {@code FL201}. */
    public String id() {
        return name();
    }

    /** A short name, {@code table-rewrite}. */
    public String slug() {
        return slug;
    }

    public Level level() {
        return level;
    }

    /** Why the rule exists and what to do instead. */
    public String explanation() {
        return explanation;
    }
}
