package io.fenceline.control.verify;

import io.fenceline.control.fleet.Fleet;
import io.fenceline.control.history.Direction;
import io.fenceline.control.history.HistoryRow;
import io.fenceline.control.history.HistoryTable;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Runs one comparison of the group's tables across its clusters, against the writer, while traffic goes on:
 * <ol>
 *   <li>each cluster's subscribers replay up to that cluster's current WAL position (so rows already written
 *       anywhere have arrived everywhere before the scan; on the writer every logical slot counts, on the others
 *       only slots a subscriber is connected to);</li>
 *   <li>per table (the columns every cluster has: {@link TableShapes}), {@link Bisect} hashes chunks of the
 *       primary key on the writer and on each other cluster, waits for replay and hashes again where they
 *       differ, and narrows what still differs down to candidate rows;</li>
 *   <li>{@link Confirmation} keeps the candidates that differ once the others replayed past the moment the
 *       writer's row was read, and that the writer did not change meanwhile.</li>
 * </ol>
 * It also compares the migration phases each cluster's history records as applied, when no run is active.
 */
public final class Verifier {

    /**
     * @param chunkRows      writer rows per chunk
     * @param leafRows       ranges at most this big are compared row by row
     * @param maxDifferences candidates collected per table and cluster at most
     * @param replayTimeout  how long to wait for the subscribers to replay a position
     * @param maxRounds      confirmation rounds at most
     * @param confirmations  rounds that must judge a row different before it is reported
     * @param tables         {@code schema.table} names to compare; empty for every table
     */
    public record Settings(long chunkRows, long leafRows, int maxDifferences, Duration replayTimeout, int maxRounds,
                           int confirmations, Set<String> tables) {

        /** 1000-row chunks, 32-row leaves, 10,000 candidates, 60 s replay, 10 rounds, 2 confirmations, every table. */
        public static final Settings DEFAULTS = new Settings(1000, 32, 10_000, Duration.ofSeconds(60), 10, 2, Set.of());

        public Settings {
            tables = Set.copyOf(tables);
        }

        public Settings withTables(Set<String> only) {
            return new Settings(chunkRows, leafRows, maxDifferences, replayTimeout, maxRounds, confirmations, only);
        }

        public Settings withChunkRows(long rows) {
            return new Settings(rows, leafRows, maxDifferences, replayTimeout, maxRounds, confirmations, tables);
        }

        public Settings withReplayTimeout(Duration timeout) {
            return new Settings(chunkRows, leafRows, maxDifferences, timeout, maxRounds, confirmations, tables);
        }
    }

    private final Fleet fleet;
    private final Settings settings;
    private final Consumer<String> progress;

    public Verifier(Fleet fleet, Settings settings, Consumer<String> progress) {
        this.fleet = fleet;
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Compares every cluster of {@code clusters} with {@code writer}.
     *
     * @param migrationActive whether a migration run is under way (clusters then legitimately differ in the
     *                        phases applied, and in columns)
     */
    public VerifyReport run(String writer, List<String> clusters, boolean migrationActive) {
        String runId = "v-" + UUID.randomUUID().toString().substring(0, 8);
        long started = System.nanoTime();
        List<String> others = clusters.stream().filter(c -> !c.equals(writer)).toList();
        Map<String, Connection> sessions = new LinkedHashMap<>();
        List<VerifyReport.TableReport> tables = new ArrayList<>();
        List<String> schema = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String startLsn = null;
        String problem = null;
        try {
            for (String c : clusters.stream().sorted((a, b) -> a.equals(writer) ? -1 : b.equals(writer) ? 1 : 0)
                    .toList()) {
                Connection conn = fleet.connect(c);
                sessions.put(c, conn);
                Sql.pin(conn);
            }
            if (!migrationActive) {
                schema.addAll(schemaDifferences(sessions));
            } else {
                notes.add("a migration run is active: applied phases are not compared");
            }
            for (Map.Entry<String, Connection> e : sessions.entrySet()) {
                String lsn = Replay.currentLsn(e.getKey(), e.getValue());
                if (e.getKey().equals(writer)) {
                    startLsn = lsn;
                }
                Replay.await(e.getKey(), e.getValue(), lsn, settings.replayTimeout(), !e.getKey().equals(writer));
            }
            progress.accept("verify " + runId + ": every subscriber replayed " + writer + " up to " + startLsn);
            TableShapes.Found found = TableShapes.discover(sessions, settings.tables());
            notes.addAll(found.notes());
            found.notes().forEach(n -> progress.accept("  note: " + n));
            for (TableShape shape : found.shapes()) {
                tables.add(table(writer, others, sessions, shape));
                VerifyReport.TableReport t = tables.get(tables.size() - 1);
                progress.accept("  " + t.table() + ": " + t.rows() + " rows on " + writer + ", " + t.chunks()
                        + " chunk(s), " + t.pairs().stream().mapToLong(p -> p.diverged().size()).sum() + " diverged"
                        + String.format(" (%.1f s)", t.took().toMillis() / 1000.0));
            }
        } catch (VerifyException e) {
            problem = e.getMessage();
        } catch (SQLException e) {
            problem = "[" + e.getSQLState() + "] " + e.getMessage();
        } finally {
            for (Connection c : sessions.values()) {
                try (c) {
                    Sql.unpin(c);
                } catch (SQLException ignored) {
                    // A broken session is discarded by the pool; nothing to put back.
                }
            }
        }
        return new VerifyReport(runId, writer, startLsn, tables, schema, notes, problem,
                Duration.ofNanos(System.nanoTime() - started));
    }

    private VerifyReport.TableReport table(String writer, List<String> others, Map<String, Connection> sessions,
                                           TableShape shape) {
        long started = System.nanoTime();
        Connection w = sessions.get(writer);
        TableSide reference = new PostgresTableSide(w, shape);
        List<TableSide> sides = new ArrayList<>();
        List<Connection> otherSessions = new ArrayList<>();
        for (String o : others) {
            sides.add(new PostgresTableSide(sessions.get(o), shape));
            otherSessions.add(sessions.get(o));
        }
        Bisect.Result scan = Bisect.compare(reference, sides,
                new Bisect.Settings(settings.chunkRows(), settings.leafRows(), settings.maxDifferences()),
                () -> Replay.await(writer, w, Replay.currentLsn(writer, w), settings.replayTimeout()));
        List<List<Difference>> candidates = new ArrayList<>();
        scan.pairs().forEach(p -> candidates.add(p.differences()));
        List<Confirmation.Verdict> verdicts = Confirmation.run(writer, w, shape, others, otherSessions, candidates,
                settings.replayTimeout(), settings.maxRounds(), settings.confirmations());
        List<VerifyReport.PairReport> pairs = new ArrayList<>();
        for (int i = 0; i < others.size(); i++) {
            Bisect.PairResult p = scan.pairs().get(i);
            pairs.add(new VerifyReport.PairReport(others.get(i), p.rows(), verdicts.get(i).diverged(),
                    verdicts.get(i).unsettled(), p.truncated()));
        }
        return new VerifyReport.TableReport(shape.display(), shape, scan.rows(), scan.chunks(), scan.digests(),
                Duration.ofNanos(System.nanoTime() - started), pairs);
    }

    /** Clusters whose history tables record different phases as applied (net up), one line per cluster. */
    private static List<String> schemaDifferences(Map<String, Connection> sessions) throws SQLException {
        Map<String, Set<String>> applied = new TreeMap<>();
        for (Map.Entry<String, Connection> e : sessions.entrySet()) {
            List<HistoryRow> rows = HistoryTable.rows(e.getValue());
            Set<String> phases = new TreeSet<>();
            for (HistoryRow r : rows) {
                if (r.direction() == Direction.UP && HistoryTable.netApplied(rows, r.version(), r.phase()) > 0) {
                    phases.add("V" + r.version() + " " + r.phase());
                }
            }
            applied.put(e.getKey(), phases);
        }
        Set<String> all = new TreeSet<>();
        applied.values().forEach(all::addAll);
        List<String> lines = new ArrayList<>();
        applied.forEach((cluster, phases) -> {
            Set<String> lacking = new TreeSet<>(all);
            lacking.removeAll(phases);
            if (!lacking.isEmpty()) {
                lines.add(cluster + " has not applied " + String.join(", ", lacking)
                        + " that another cluster has, and no migration run is active");
            }
        });
        return lines;
    }
}
