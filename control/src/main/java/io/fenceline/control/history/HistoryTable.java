package io.fenceline.control.history;

import io.fenceline.config.manifest.ManifestOptions;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Control's bookkeeping inside each cluster's database, and the only code that runs migration SQL there.
 *
 * <ul>
 *   <li>{@code fenceline.epoch}: one row, the largest control epoch (control's leader-key create revision)
 *   that ever applied anything here. Every apply transaction locks it ({@code SELECT ... FOR UPDATE}), refuses
 *   when it holds a larger epoch than ours, and raises it to ours. A stale control instance that lost its
 *   lease therefore cannot apply once a newer one has touched the cluster, and two instances cannot
 *   interleave inside one cluster.</li>
 *   <li>{@code fenceline.history}: one row per phase applied ({@code up}) or undone ({@code down}), written in
 *   the same transaction as the phase's DDL; a phase whose net count (up minus down) is already 1 is not run
 *   again, so a retried step applies once.</li>
 *   <li>{@code fenceline.progress}: per-statement marks for phases that hold statements PostgreSQL refuses to
 *   run in a transaction ({@code CREATE INDEX CONCURRENTLY} ...). Such a phase runs statement by statement:
 *   transactional statements each in their own epoch-guarded transaction with their mark, concurrent index
 *   builds made idempotent and verified ({@code pg_index.indisvalid}; an invalid index is dropped and built
 *   again), and the history row written last, after verification.</li>
 *   <li>{@code fenceline.batches}: one row per committed batch of a batched statement ({@link Batches}), written
 *   in the batch's own transaction, so a resumed step continues with the next batch and a statement whose last
 *   batch changed 0 rows is not run again. The phase's history row is still written once, at the end.</li>
 * </ul>
 */
public final class HistoryTable {

    private static final String SETUP = """
            CREATE SCHEMA IF NOT EXISTS fenceline;
            CREATE TABLE IF NOT EXISTS fenceline.history (
                id bigserial PRIMARY KEY,
                version integer NOT NULL,
                phase text NOT NULL,
                checksum text NOT NULL,
                epoch bigint NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                direction text NOT NULL CHECK (direction IN ('up', 'down')));
            CREATE TABLE IF NOT EXISTS fenceline.epoch (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                epoch bigint NOT NULL);
            INSERT INTO fenceline.epoch VALUES (true, 0) ON CONFLICT DO NOTHING;
            CREATE TABLE IF NOT EXISTS fenceline.progress (
                version integer NOT NULL,
                phase text NOT NULL,
                direction text NOT NULL,
                generation integer NOT NULL,
                statement integer NOT NULL,
                epoch bigint NOT NULL,
                done_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (version, phase, direction, generation, statement));
            CREATE TABLE IF NOT EXISTS fenceline.batches (
                version integer NOT NULL,
                phase text NOT NULL,
                direction text NOT NULL,
                generation integer NOT NULL,
                statement integer NOT NULL,
                batch integer NOT NULL,
                rows bigint NOT NULL,
                epoch bigint NOT NULL,
                done_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (version, phase, direction, generation, statement, batch))
            """;

    private static final Pattern NON_TRANSACTIONAL = Pattern.compile(
            "^(CREATE\\s+(UNIQUE\\s+)?INDEX\\s+CONCURRENTLY|DROP\\s+INDEX\\s+CONCURRENTLY|REINDEX\\b.*\\bCONCURRENTLY"
                    + "|VACUUM\\b|CREATE\\s+DATABASE|DROP\\s+DATABASE|ALTER\\s+SYSTEM|CLUSTER\\b)",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern CREATE_INDEX_CONCURRENTLY = Pattern.compile(
            "^CREATE\\s+(UNIQUE\\s+)?INDEX\\s+CONCURRENTLY\\s+(IF\\s+NOT\\s+EXISTS\\s+)?(\"[^\"]+\"|[\\w.]+)\\s+ON\\s+"
                    + "(ONLY\\s+)?(\"[^\"]+\"|[\\w.\"]+)",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern DROP_INDEX_CONCURRENTLY = Pattern.compile(
            "^DROP\\s+INDEX\\s+CONCURRENTLY\\s+(?!IF\\s+EXISTS)", Pattern.CASE_INSENSITIVE);

    private HistoryTable() {
    }

    /** Creates the schema and tables if absent (idempotent; control runs it before anything else). */
    public static void ensure(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(7071)");
            try {
                st.execute(SETUP);
            } finally {
                st.execute("SELECT pg_advisory_unlock(7071)");
            }
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Whether the statement cannot run inside a transaction block. */
    public static boolean nonTransactional(String sql) {
        return NON_TRANSACTIONAL.matcher(stripLeadingComments(sql)).find();
    }

    /** Every history row, oldest first (empty when the table does not exist yet). */
    public static List<HistoryRow> rows(Connection c) throws SQLException {
        List<HistoryRow> rows = new ArrayList<>();
        if (!exists(c)) {
            return rows;
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT id, version, phase, checksum, epoch, applied_at, direction FROM fenceline.history ORDER BY id")) {
            while (rs.next()) {
                rows.add(new HistoryRow(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        rs.getTimestamp(6).toInstant(), Direction.valueOf(rs.getString(7).toUpperCase(Locale.ROOT))));
            }
        }
        return rows;
    }

    /** The epoch stored in {@code fenceline.epoch}, or 0. */
    public static long epoch(Connection c) throws SQLException {
        if (!exists(c)) {
            return 0;
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT epoch FROM fenceline.epoch")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Net applications of a phase: {@code up} rows minus {@code down} rows (1 = applied, 0 = not). */
    public static int netApplied(List<HistoryRow> rows, int version, String phase) {
        int net = 0;
        for (HistoryRow r : rows) {
            if (r.version() == version && r.phase().equals(phase)) {
                net += r.direction() == Direction.UP ? 1 : -1;
            }
        }
        return net;
    }

    /** The most recent row of {@code version} and {@code phase}, if any. */
    public static Optional<HistoryRow> latest(List<HistoryRow> rows, int version, String phase) {
        HistoryRow last = null;
        for (HistoryRow r : rows) {
            if (r.version() == version && r.phase().equals(phase)) {
                last = r;
            }
        }
        return Optional.ofNullable(last);
    }

    private static boolean exists(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT to_regclass('fenceline.history') IS NOT NULL AND to_regclass('fenceline.epoch') IS NOT NULL")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /**
     * Runs one phase ({@code up}: its SQL; {@code down}: its down SQL) on a cluster, exactly once.
     *
     * @param c          a connection to the cluster (its autocommit setting is restored)
     * @param version    manifest version
     * @param phase      phase key ({@code expand}, {@code backfill}, {@code contract})
     * @param checksum   manifest checksum written into the history row
     * @param epoch      control's epoch
     * @param direction  up or down
     * @param statements the statements to run
     * @param options    lock and statement timeouts
     * @param writable   control's lease check, asked before starting and again just before each commit
     * @param beforeCommit called just before the history row's transaction commits (crash drills)
     */
    public static StepOutcome run(Connection c, int version, String phase, String checksum, long epoch,
                                  Direction direction, List<String> statements, ManifestOptions options,
                                  BooleanSupplier writable, Runnable beforeCommit) throws SQLException {
        return run(c, version, phase, checksum, epoch, direction, statements, options, writable, beforeCommit,
                Batches.Observer.NONE);
    }

    /**
     * {@link #run(Connection, int, String, String, long, Direction, List, ManifestOptions, BooleanSupplier, Runnable)}
     * telling {@code batches} about each committed batch of a batched statement.
     */
    public static StepOutcome run(Connection c, int version, String phase, String checksum, long epoch,
                                  Direction direction, List<String> statements, ManifestOptions options,
                                  BooleanSupplier writable, Runnable beforeCommit, Batches.Observer batches)
            throws SQLException {
        ensure(c);
        if (!writable.getAsBoolean()) {
            return new StepOutcome.LeaseLost("before starting " + phase + " V" + version);
        }
        boolean auto = c.getAutoCommit();
        try {
            if (statements.stream().anyMatch(sql -> nonTransactional(sql) || Batches.batched(sql))) {
                return segmented(c, version, phase, checksum, epoch, direction, statements, options, writable,
                        beforeCommit, batches);
            }
            return inOneTransaction(c, version, phase, checksum, epoch, direction, statements, options, writable,
                    beforeCommit);
        } finally {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
            c.setAutoCommit(auto);
        }
    }

    private static StepOutcome inOneTransaction(Connection c, int version, String phase, String checksum, long epoch,
                                                Direction direction, List<String> statements,
                                                ManifestOptions options, BooleanSupplier writable,
                                                Runnable beforeCommit) throws SQLException {
        c.setAutoCommit(false);
        Optional<StepOutcome> refused = guard(c, version, phase, epoch, direction);
        if (refused.isPresent()) {
            c.rollback();
            return refused.get();
        }
        timeouts(c, options);
        for (int i = 0; i < statements.size(); i++) {
            Optional<StepOutcome> failed = execute(c, i, statements.get(i));
            if (failed.isPresent()) {
                c.rollback();
                return failed.get();
            }
        }
        insertHistory(c, version, phase, checksum, epoch, direction);
        if (!writable.getAsBoolean()) {
            c.rollback();
            return new StepOutcome.LeaseLost("before committing " + phase + " V" + version);
        }
        beforeCommit.run();
        c.commit();
        return new StepOutcome.Applied(statements.size());
    }

    private static StepOutcome segmented(Connection c, int version, String phase, String checksum, long epoch,
                                         Direction direction, List<String> statements, ManifestOptions options,
                                         BooleanSupplier writable, Runnable beforeCommit, Batches.Observer batches)
            throws SQLException {
        c.setAutoCommit(false);
        Optional<StepOutcome> refused = guard(c, version, phase, epoch, direction);
        int generation = generation(c, version, phase);
        c.commit();
        if (refused.isPresent()) {
            return refused.get();
        }
        for (int i = 0; i < statements.size(); i++) {
            String sql = statements.get(i);
            if (!writable.getAsBoolean()) {
                return new StepOutcome.LeaseLost("before statement " + (i + 1) + " of " + phase + " V" + version);
            }
            // Each statement is fenced like a whole phase: lock the epoch row, then check this statement's mark.
            c.setAutoCommit(false);
            Optional<StepOutcome> stale = epochGuard(c, epoch);
            if (stale.isPresent()) {
                c.rollback();
                return stale.get();
            }
            boolean done = marked(c, version, phase, direction, generation, i);
            if (done) {
                c.commit();
                continue;
            }
            if (Batches.batched(sql)) {
                c.commit();
                Optional<StepOutcome> failed = inBatches(c, version, phase, direction, generation, i, sql, epoch,
                        options, writable, batches);
                if (failed.isPresent()) {
                    return failed.get();
                }
                continue;
            }
            if (!nonTransactional(sql)) {
                timeouts(c, options);
                Optional<StepOutcome> failed = execute(c, i, sql);
                if (failed.isPresent()) {
                    c.rollback();
                    return failed.get();
                }
                mark(c, version, phase, direction, generation, i, epoch);
                c.commit();
                continue;
            }
            c.commit();
            c.setAutoCommit(true);
            Optional<StepOutcome> failed = concurrent(c, i, sql, options);
            if (failed.isPresent()) {
                return failed.get();
            }
            c.setAutoCommit(false);
            epochGuard(c, epoch);
            mark(c, version, phase, direction, generation, i, epoch);
            c.commit();
        }
        c.setAutoCommit(false);
        Optional<StepOutcome> last = guard(c, version, phase, epoch, direction);
        if (last.isPresent()) {
            c.rollback();
            return last.get();
        }
        insertHistory(c, version, phase, checksum, epoch, direction);
        if (!writable.getAsBoolean()) {
            c.rollback();
            return new StepOutcome.LeaseLost("before committing the history row of " + phase + " V" + version);
        }
        beforeCommit.run();
        c.commit();
        return new StepOutcome.Applied(statements.size());
    }

    /**
     * Runs a batched statement ({@link Batches}) one batch per transaction until a batch changes 0 rows. Each
     * transaction locks the epoch row, runs one batch with the manifest's timeouts, and records the batch in
     * {@code fenceline.batches}; so after a crash or a lost lease the next run continues with the next batch
     * number, and a statement whose last recorded batch changed 0 rows is finished. The statement's progress
     * mark is written with that last batch.
     */
    private static Optional<StepOutcome> inBatches(Connection c, int version, String phase, Direction direction,
                                                   int generation, int index, String sql, long epoch,
                                                   ManifestOptions options, BooleanSupplier writable,
                                                   Batches.Observer observer) throws SQLException {
        String runnable = Batches.withBatchSize(sql, options.effectiveBackfillBatchSize());
        while (true) {
            if (!writable.getAsBoolean()) {
                return Optional.of(new StepOutcome.LeaseLost("before a batch of statement " + (index + 1) + " of "
                        + phase + " V" + version));
            }
            c.setAutoCommit(false);
            Optional<StepOutcome> stale = epochGuard(c, epoch);
            if (stale.isPresent()) {
                c.rollback();
                return stale;
            }
            long[] last = lastBatch(c, version, phase, direction, generation, index);
            int batch = (int) last[0] + 1;
            if (last[0] > 0 && last[1] == 0) {
                // Finished before a crash, but the mark was not written: write it now.
                mark(c, version, phase, direction, generation, index, epoch);
                c.commit();
                return Optional.empty();
            }
            if (batch > Batches.MAX_BATCHES) {
                c.rollback();
                return Optional.of(new StepOutcome.Failed(index, sql, "54000", "still changing rows after "
                        + Batches.MAX_BATCHES + " batches; a batched statement must make its own condition false for"
                        + " the rows it changed"));
            }
            timeouts(c, options);
            long rows;
            try (Statement st = c.createStatement()) {
                if (st.execute(runnable) || st.getUpdateCount() < 0) {
                    c.rollback();
                    return Optional.of(new StepOutcome.Failed(index, sql, "42601", "a batched statement must change"
                            + " rows and report how many (UPDATE, DELETE or INSERT without RETURNING), not return rows"));
                }
                rows = st.getLargeUpdateCount();
            } catch (SQLException e) {
                c.rollback();
                return Optional.of(new StepOutcome.Failed(index, sql, e.getSQLState(), "batch " + batch + ": "
                        + e.getMessage()));
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO fenceline.batches"
                    + " (version, phase, direction, generation, statement, batch, rows, epoch)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setInt(1, version);
                ps.setString(2, phase);
                ps.setString(3, direction.text());
                ps.setInt(4, generation);
                ps.setInt(5, index);
                ps.setInt(6, batch);
                ps.setLong(7, rows);
                ps.setLong(8, epoch);
                ps.executeUpdate();
            }
            if (rows == 0) {
                mark(c, version, phase, direction, generation, index, epoch);
            }
            if (!writable.getAsBoolean()) {
                c.rollback();
                return Optional.of(new StepOutcome.LeaseLost("before committing batch " + batch + " of statement "
                        + (index + 1) + " of " + phase + " V" + version));
            }
            c.commit();
            observer.committed(index, batch, rows);
            if (rows == 0) {
                return Optional.empty();
            }
        }
    }

    /** {@code {number, rows}} of the statement's last recorded batch, or {@code {0, -1}} when none. */
    private static long[] lastBatch(Connection c, int version, String phase, Direction direction, int generation,
                                    int statement) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT batch, rows FROM fenceline.batches WHERE version = ?"
                + " AND phase = ? AND direction = ? AND generation = ? AND statement = ? ORDER BY batch DESC LIMIT 1")) {
            ps.setInt(1, version);
            ps.setString(2, phase);
            ps.setString(3, direction.text());
            ps.setInt(4, generation);
            ps.setInt(5, statement);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[]{rs.getInt(1), rs.getLong(2)} : new long[]{0, -1};
            }
        }
    }

    /** Every batch recorded for a phase, oldest first: {@code {statement, batch, rows}} (for status and tests). */
    public static List<long[]> batches(Connection c, int version, String phase, Direction direction)
            throws SQLException {
        List<long[]> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('fenceline.batches') IS NOT NULL")) {
            if (!rs.next() || !rs.getBoolean(1)) {
                // A cluster control never ran a step on (or one whose history predates batches): no batches.
                return out;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT statement, batch, rows FROM fenceline.batches"
                + " WHERE version = ? AND phase = ? AND direction = ? ORDER BY generation, statement, batch")) {
            ps.setInt(1, version);
            ps.setString(2, phase);
            ps.setString(3, direction.text());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new long[]{rs.getInt(1), rs.getInt(2), rs.getLong(3)});
                }
            }
        }
        return out;
    }

    /** Runs a statement that cannot be in a transaction, idempotently, and verifies indexes it builds. */
    private static Optional<StepOutcome> concurrent(Connection c, int index, String sql, ManifestOptions options)
            throws SQLException {
        String body = stripLeadingComments(sql);
        try (Statement st = c.createStatement()) {
            if (options.lockTimeout() != null) {
                st.execute("SET lock_timeout = " + options.lockTimeout().toMillis());
            }
            Matcher create = CREATE_INDEX_CONCURRENTLY.matcher(body);
            if (create.find()) {
                String name = qualifiedIndexName(create.group(3), create.group(5));
                for (int attempt = 1; attempt <= 2; attempt++) {
                    Optional<Boolean> valid = indexValid(c, name);
                    if (valid.isPresent() && valid.get()) {
                        return Optional.empty();
                    }
                    if (valid.isPresent()) {
                        // Left behind by an interrupted or failed build: unusable, and blocks a new build.
                        st.execute("DROP INDEX CONCURRENTLY IF EXISTS " + name);
                    }
                    Optional<StepOutcome> failed = execute(c, index, body);
                    if (failed.isPresent()) {
                        return failed;
                    }
                    if (indexValid(c, name).orElse(false)) {
                        return Optional.empty();
                    }
                }
                return Optional.of(new StepOutcome.Failed(index, sql, "XX000",
                        "index " + name + " is still invalid (pg_index.indisvalid = false) after being rebuilt twice"));
            }
            String runnable = DROP_INDEX_CONCURRENTLY.matcher(body).find()
                    ? body.replaceFirst("(?i)^DROP\\s+INDEX\\s+CONCURRENTLY\\s+", "DROP INDEX CONCURRENTLY IF EXISTS ")
                    : body;
            return execute(c, index, runnable);
        } finally {
            try (Statement st = c.createStatement()) {
                st.execute("RESET lock_timeout");
            }
        }
    }

    /** The index name as {@code to_regclass} should see it: qualified with the table's schema if given. */
    private static String qualifiedIndexName(String index, String table) {
        if (index.contains(".") || !table.contains(".")) {
            return index;
        }
        return table.substring(0, table.lastIndexOf('.')) + "." + index;
    }

    private static Optional<Boolean> indexValid(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(?)")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBoolean(1)) : Optional.empty();
            }
        }
    }

    /** Epoch fence plus the once-only check, in the caller's transaction. */
    private static Optional<StepOutcome> guard(Connection c, int version, String phase, long epoch,
                                               Direction direction) throws SQLException {
        Optional<StepOutcome> stale = epochGuard(c, epoch);
        if (stale.isPresent()) {
            return stale;
        }
        int net = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(CASE direction WHEN 'up' THEN 1 ELSE -1 END), 0)"
                + " FROM fenceline.history WHERE version = ? AND phase = ?")) {
            ps.setInt(1, version);
            ps.setString(2, phase);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                net = rs.getInt(1);
            }
        }
        boolean done = direction == Direction.UP ? net > 0 : net <= 0;
        return done ? Optional.of(new StepOutcome.AlreadyApplied()) : Optional.empty();
    }

    private static Optional<StepOutcome> epochGuard(Connection c, long epoch) throws SQLException {
        long seen;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT epoch FROM fenceline.epoch FOR UPDATE")) {
            if (!rs.next()) {
                throw new SQLException("fenceline.epoch has no row; was it emptied by hand?");
            }
            seen = rs.getLong(1);
        }
        if (seen > epoch) {
            return Optional.of(new StepOutcome.StaleEpoch(epoch, seen));
        }
        if (seen < epoch) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE fenceline.epoch SET epoch = ?")) {
                ps.setLong(1, epoch);
                ps.executeUpdate();
            }
        }
        return Optional.empty();
    }

    private static int generation(Connection c, int version, String phase) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM fenceline.history WHERE version = ? AND phase = ?")) {
            ps.setInt(1, version);
            ps.setString(2, phase);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static boolean marked(Connection c, int version, String phase, Direction direction, int generation,
                                  int statement) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM fenceline.progress WHERE version = ? AND phase = ?"
                + " AND direction = ? AND generation = ? AND statement = ?")) {
            ps.setInt(1, version);
            ps.setString(2, phase);
            ps.setString(3, direction.text());
            ps.setInt(4, generation);
            ps.setInt(5, statement);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void mark(Connection c, int version, String phase, Direction direction, int generation,
                             int statement, long epoch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO fenceline.progress"
                + " (version, phase, direction, generation, statement, epoch) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING")) {
            ps.setInt(1, version);
            ps.setString(2, phase);
            ps.setString(3, direction.text());
            ps.setInt(4, generation);
            ps.setInt(5, statement);
            ps.setLong(6, epoch);
            ps.executeUpdate();
        }
    }

    private static void insertHistory(Connection c, int version, String phase, String checksum, long epoch,
                                      Direction direction) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO fenceline.history"
                + " (version, phase, checksum, epoch, direction) VALUES (?, ?, ?, ?, ?)")) {
            ps.setInt(1, version);
            ps.setString(2, phase);
            ps.setString(3, checksum);
            ps.setLong(4, epoch);
            ps.setString(5, direction.text());
            ps.executeUpdate();
        }
    }

    private static void timeouts(Connection c, ManifestOptions options) throws SQLException {
        try (Statement st = c.createStatement()) {
            if (options.lockTimeout() != null) {
                st.execute("SET LOCAL lock_timeout = " + options.lockTimeout().toMillis());
            }
            if (options.statementTimeout() != null) {
                st.execute("SET LOCAL statement_timeout = " + options.statementTimeout().toMillis());
            }
        }
    }

    private static Optional<StepOutcome> execute(Connection c, int index, String sql) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of(new StepOutcome.Failed(index, sql, e.getSQLState(), e.getMessage()));
        }
    }

    static String stripLeadingComments(String sql) {
        String s = sql.strip();
        while (true) {
            if (s.startsWith("--")) {
                int nl = s.indexOf('\n');
                s = nl < 0 ? "" : s.substring(nl + 1).strip();
            } else if (s.startsWith("/*")) {
                int end = s.indexOf("*/");
                s = end < 0 ? "" : s.substring(end + 2).strip();
            } else {
                return s;
            }
        }
    }
}
