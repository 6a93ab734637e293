package io.fenceline.config.manifest;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The SQL of one phase and the SQL that undoes it.
 *
 * @param sql  the statements, separated by semicolons; never blank
 * @param down the statements that restore the schema as it was before {@code sql}; {@code null} only
 *             for Flyway imports that have no matching {@code U<n>__} undo file
 */
public record Phase(String sql, String down) {

    public Phase {
        Objects.requireNonNull(sql, "sql");
        if (sql.isBlank()) {
            throw new IllegalArgumentException("phase sql is blank");
        }
    }

    /** The statements of {@link #sql()}, split as PostgreSQL would split them. */
    public List<String> statements() {
        return SqlScript.split(sql);
    }

    /** The statements of {@link #down()}, or empty if there is no down path. */
    public List<String> downStatements() {
        return down == null ? List.of() : SqlScript.split(down);
    }

    /** The down SQL, if this phase has one. */
    public Optional<String> downSql() {
        return Optional.ofNullable(down);
    }
}
