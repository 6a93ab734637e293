package io.fenceline.control.lint;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.PhaseName;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;

/**
 * Walks the schema states a run of {@code manifests} passes through on the scratch database: the state before the
 * first version, then the state after every phase of every version, in the order control applies them. All of it
 * happens inside one transaction that is rolled back at the end, so the scratch database is left as it was; a
 * visitor sees each state on the same connection (catalog snapshots, EXPLAINs), and must leave the transaction
 * usable (wrap anything that may fail in a savepoint).
 *
 * <p>Statements run as lint runs them ({@link Equivalent}: CONCURRENTLY forms without it, a batched backfill once
 * with the largest batch); a statement PostgreSQL refuses inside a transaction block (VACUUM) is skipped.
 */
public final class SchemaWalk {

    private static final String CANNOT_RUN_IN_TRANSACTION = "25001";

    /**
     * One schema state.
     *
     * @param version the version the state belongs to (the baseline for the state before the first manifest)
     * @param phase   the phase whose completion made this state; null for the baseline
     */
    public record State(int version, PhaseName phase) {
        /** {@code V1 expand}, or {@code V0} for the baseline. */
        public String label() {
            return "V" + version + (phase == null ? "" : " " + phase.key());
        }
    }

    /** What is done at each state. */
    @FunctionalInterface
    public interface Visitor {
        void at(State state, Connection connection) throws SQLException;
    }

    /** How the walk ended: every state visited, or the statement that failed (and where). */
    public record Outcome(State failedAt, String error) {
        /** True when every phase ran. */
        public boolean complete() {
            return failedAt == null;
        }
    }

    private final ScratchDatabase scratch;
    private final LintOptions options;

    public SchemaWalk(ScratchDatabase scratch, LintOptions options) {
        this.scratch = Objects.requireNonNull(scratch, "scratch");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Visits the baseline ({@code baseline}, the schema the scratch database holds) and the state after each phase.
     *
     * @return the outcome; a phase that fails ends the walk there, with its error
     * @throws SQLException when the scratch database cannot be reached, or a visitor fails
     */
    public Outcome walk(int baseline, List<Manifest> manifests, Visitor visitor) throws SQLException {
        try (Connection c = scratch.connect()) {
            c.setAutoCommit(false);
            try {
                execute(c, "SET LOCAL statement_timeout = " + options.statementTimeout().toMillis());
                execute(c, "SET LOCAL lock_timeout = " + options.lockTimeout().toMillis());
                visitor.at(new State(baseline, null), c);
                for (Manifest m : manifests) {
                    for (PhaseName name : m.phaseNames()) {
                        State state = new State(m.version(), name);
                        for (String sql : m.phase(name).orElseThrow().statements()) {
                            String error = run(c, sql);
                            if (error != null) {
                                return new Outcome(state, error);
                            }
                        }
                        visitor.at(state, c);
                    }
                }
                return new Outcome(null, null);
            } finally {
                c.rollback();
            }
        }
    }

    private static String run(Connection c, String sql) throws SQLException {
        execute(c, "SAVEPOINT fenceline_walk");
        try (Statement st = c.createStatement()) {
            st.execute(Equivalent.of(sql).executed());
        } catch (SQLException e) {
            execute(c, "ROLLBACK TO SAVEPOINT fenceline_walk");
            if (!CANNOT_RUN_IN_TRANSACTION.equals(e.getSQLState())) {
                return "'" + sql.replaceAll("\\s+", " ").strip() + "' failed: " + e.getSQLState() + ": " + e.getMessage();
            }
        }
        execute(c, "RELEASE SAVEPOINT fenceline_walk");
        return null;
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
