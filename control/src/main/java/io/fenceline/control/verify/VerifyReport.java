package io.fenceline.control.verify;

import java.time.Duration;
import java.util.List;

/**
 * One {@code verify} run: per table and per cluster compared with the writer, the rows that diverged; what could
 * not be judged; and the outcome.
 *
 * @param runId          the run's id (in its audit record, and in {@code fenceline.overwritten_rows})
 * @param writer         the reference cluster
 * @param startLsn       the writer's WAL position every subscriber had replayed before the scan began
 * @param tables         per table compared
 * @param schema         clusters whose applied migration phases differ (outside a running migration)
 * @param notes          tables or columns not compared, and why
 * @param problem        why the run could not verify, or null
 * @param took           how long the run took
 */
public record VerifyReport(String runId, String writer, String startLsn, List<TableReport> tables,
                           List<String> schema, List<String> notes, String problem, Duration took) {

    /** What a run says. */
    public enum Outcome {
        /** Every compared row is the same on every cluster, and the schema versions agree. */
        AGREE,
        /** Some row (or applied schema version) differs. */
        DIVERGED,
        /** The comparison could not finish or judge every row; nothing diverged as far as it got. */
        UNVERIFIED
    }

    public VerifyReport {
        tables = List.copyOf(tables);
        schema = List.copyOf(schema);
        notes = List.copyOf(notes);
    }

    /**
     * One table.
     *
     * @param table   {@code schema.name}
     * @param rows    rows counted on the writer
     * @param chunks  chunks hashed
     * @param digests range hashes computed, all clusters together
     * @param took    time spent on the table
     * @param pairs   per other cluster
     */
    public record TableReport(String table, TableShape shape, long rows, long chunks, long digests, Duration took,
                              List<PairReport> pairs) {
        public TableReport {
            pairs = List.copyOf(pairs);
        }
    }

    /**
     * One other cluster against the writer, on one table.
     *
     * @param cluster   the other cluster
     * @param rows      rows counted on it
     * @param diverged  rows confirmed different
     * @param unsettled candidates the writer kept changing, so they were not judged
     * @param truncated more candidates than the bound: the rest were not collected
     */
    public record PairReport(String cluster, long rows, List<Difference> diverged, List<Key> unsettled,
                             boolean truncated) {
        public PairReport {
            diverged = List.copyOf(diverged);
            unsettled = List.copyOf(unsettled);
        }
    }

    /** The run's outcome: diverged wins over could-not-verify, which wins over agree. */
    public Outcome outcome() {
        if (!schema.isEmpty() || diverged() > 0) {
            return Outcome.DIVERGED;
        }
        if (problem != null || tables.stream().flatMap(t -> t.pairs().stream())
                .anyMatch(p -> !p.unsettled().isEmpty() || p.truncated())) {
            return Outcome.UNVERIFIED;
        }
        return Outcome.AGREE;
    }

    /** Rows diverged over every table and cluster. */
    public long diverged() {
        return tables.stream().flatMap(t -> t.pairs().stream()).mapToLong(p -> p.diverged().size()).sum();
    }

    /** The exit status: 0 agree, 1 diverged, 2 could not verify. */
    public int exitCode() {
        return switch (outcome()) {
            case AGREE -> 0;
            case DIVERGED -> 1;
            case UNVERIFIED -> 2;
        };
    }

    /** One line for people and audit records: the outcome and the diverged rows by table and cluster. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        switch (outcome()) {
            case AGREE -> s.append("clusters agree");
            case DIVERGED -> s.append("clusters DIVERGED");
            case UNVERIFIED -> s.append("could not verify");
        }
        long rows = tables.stream().mapToLong(TableReport::rows).sum();
        s.append(": ").append(tables.size()).append(" table(s), ").append(rows).append(" row(s) on ").append(writer)
                .append(" compared with ").append(tables.isEmpty() ? "the other clusters"
                        : String.join(", ", tables.get(0).pairs().stream().map(PairReport::cluster).toList()));
        for (TableReport t : tables) {
            for (PairReport p : t.pairs()) {
                if (!p.diverged().isEmpty()) {
                    s.append("; ").append(t.table()).append(" on ").append(p.cluster()).append(": ");
                    for (Difference.Kind k : Difference.Kind.values()) {
                        List<Key> keys = p.diverged().stream().filter(d -> d.kind() == k).map(Difference::key).toList();
                        if (!keys.isEmpty()) {
                            s.append(k.text()).append(' ').append(keys.size() <= 10 ? keys.toString()
                                    : keys.subList(0, 10) + "… (" + keys.size() + ")").append(' ');
                        }
                    }
                    s.setLength(s.length() - 1);
                }
                if (!p.unsettled().isEmpty()) {
                    s.append("; ").append(t.table()).append(" on ").append(p.cluster()).append(": ")
                            .append(p.unsettled().size()).append(" row(s) unsettled (the writer kept changing them)");
                }
                if (p.truncated()) {
                    s.append("; ").append(t.table()).append(" on ").append(p.cluster())
                            .append(": more candidates than the bound, the rest not judged");
                }
            }
        }
        schema.forEach(line -> s.append("; schema: ").append(line));
        if (problem != null) {
            s.append("; ").append(problem);
        }
        return s.toString();
    }
}
