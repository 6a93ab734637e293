package io.fenceline.control.lint;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.control.lint.SchemaWalk.State;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Lint's plan checks: the applications' statements are EXPLAINed ({@code EXPLAIN (FORMAT JSON, VERBOSE)}, never
 * ANALYZE: nothing runs) on the scratch database in every schema state of the run ({@link SchemaWalk}: before the
 * first step and after each), and each step is judged by how the plans changed across it:
 * <ul>
 *   <li>{@link Kind#INDEX_NO_LONGER_USED}: a relation read by an index scan (Index Scan, Index Only Scan, Bitmap
 *       Heap/Index Scan) before the step is read by a Seq Scan after it, and by no index scan;</li>
 *   <li>{@link Kind#COST_ROSE}: the plan's total cost after the step is more than {@code costFactor} times the cost
 *       before;</li>
 *   <li>{@link Kind#NO_LONGER_PLANS}: the statement planned before the step and PostgreSQL refuses it after (a
 *       dropped column or table), tied to the application version that runs it.</li>
 * </ul>
 * Statements with {@code $n} parameters are prepared and explained as their generic plan
 * ({@code plan_cache_mode = force_generic_plan}, {@code EXECUTE} with NULLs), the plan a pooled application gets
 * after a few executions. Each finding says whether the statement's application version is in use at the state
 * after the step ({@link CompatibilityMatrix}'s window rules; an untagged statement always is): a finding for an
 * application that has drained by then is reported but does not block.
 */
public final class PlanCheck {

    /** What went worse across a step. */
    public enum Kind {
        INDEX_NO_LONGER_USED("index-no-longer-used"),
        COST_ROSE("cost-rose"),
        NO_LONGER_PLANS("no-longer-plans");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        /** How reports name it. */
        public String text() {
            return text;
        }
    }

    /**
     * One plan that got worse across one step.
     *
     * @param kind      what went worse
     * @param index     1-based position of the statement in the file
     * @param statement the statement
     * @param before    the state before the step
     * @param after     the state after the step
     * @param planBefore the plan before, one line per node
     * @param planAfter  the plan after, or empty when it no longer plans
     * @param detail    the facts: relation and index, costs, or PostgreSQL's error
     * @param inUse     whether the statement's application version is in use after the step (blocks if so)
     */
    public record Finding(Kind kind, int index, AppStatement statement, State before, State after,
                          List<String> planBefore, List<String> planAfter, String detail, boolean inUse) {
        public Finding {
            planBefore = List.copyOf(planBefore);
            planAfter = List.copyOf(planAfter);
        }

        @Override
        public String toString() {
            return kind.text() + " " + statement.label(index) + " at " + after.label() + ": " + detail
                    + (inUse ? "" : " (application version " + statement.version() + " is no longer in use there)");
        }
    }

    /**
     * The plan checks of a run.
     *
     * @param findings every plan that got worse
     * @param neverPlanned statements PostgreSQL refused in every state (a typo, a parameter whose type cannot be
     *                     inferred), with the baseline's error
     * @param statements how many statements were checked
     * @param states     in how many schema states
     * @param walk       how the walk ended (a failing phase ends the checks there)
     */
    public record Report(List<Finding> findings, List<String> neverPlanned, int statements, int states,
                         SchemaWalk.Outcome walk) {
        public Report {
            findings = List.copyOf(findings);
            neverPlanned = List.copyOf(neverPlanned);
        }

        /** True when a finding's application version is in use where it was found. */
        public boolean blocks() {
            return findings.stream().anyMatch(Finding::inUse);
        }
    }

    private final ScratchDatabase scratch;
    private final LintOptions options;
    private final double costFactor;

    /**
     * @param costFactor how many times higher a plan's total cost may become across a step before it is a finding
     */
    public PlanCheck(ScratchDatabase scratch, LintOptions options, double costFactor) {
        if (!(costFactor > 1)) {
            throw new IllegalArgumentException("the cost factor must be greater than 1, got " + costFactor);
        }
        this.scratch = Objects.requireNonNull(scratch, "scratch");
        this.options = Objects.requireNonNull(options, "options");
        this.costFactor = costFactor;
    }

    /** A plan, or PostgreSQL's refusal, of one statement in one state. */
    private record Explained(PlanShape plan, String error) {}

    /**
     * Checks {@code statements} across every step of {@code manifests}; the scratch database holds {@code baseline}.
     *
     * @throws SQLException when the scratch database cannot be reached or fails lint's own queries
     */
    public Report run(int baseline, List<Manifest> manifests, List<AppStatement> statements) throws SQLException {
        Map<State, List<Explained>> plans = new LinkedHashMap<>();
        Map<State, SchemaShape> shapes = new LinkedHashMap<>();
        SchemaWalk.Outcome outcome = new SchemaWalk(scratch, options).walk(baseline, manifests, (state, c) -> {
            shapes.put(state, SchemaShape.of(CatalogSnapshot.take(c)));
            List<Explained> here = new ArrayList<>();
            for (AppStatement s : statements) {
                here.add(explain(c, s));
            }
            plans.put(state, here);
        });
        // In use: from the window rules, over the states reached (a failed walk stops short).
        List<Manifest> reached = manifests.stream().filter(m -> m.phaseNames().stream()
                .allMatch(p -> shapes.containsKey(new State(m.version(), p)))).toList();
        CompatibilityMatrix matrix = CompatibilityMatrix.of(baseline, reached, Collections.unmodifiableMap(shapes));

        List<State> states = new ArrayList<>(plans.keySet());
        List<Finding> findings = new ArrayList<>();
        List<String> never = new ArrayList<>();
        for (int i = 0; i < statements.size(); i++) {
            AppStatement s = statements.get(i);
            boolean planned = false;
            for (int k = 0; k < states.size(); k++) {
                Explained now = plans.get(states.get(k)).get(i);
                planned |= now.plan() != null;
                if (k == 0) {
                    continue;
                }
                Explained was = plans.get(states.get(k - 1)).get(i);
                if (was.plan() == null) {
                    continue;
                }
                boolean inUse = s.version() == null || inUse(matrix, s.version(), states.get(k));
                compare(i + 1, s, states.get(k - 1), states.get(k), was, now, inUse, findings);
            }
            if (!planned) {
                never.add(s.label(i + 1) + ": " + plans.get(states.get(0)).get(i).error());
            }
        }
        return new Report(findings, never, statements.size(), states.size(), outcome);
    }

    private void compare(int index, AppStatement s, State before, State after, Explained was, Explained now,
                         boolean inUse, List<Finding> findings) {
        if (now.plan() == null) {
            findings.add(new Finding(Kind.NO_LONGER_PLANS, index, s, before, after, was.plan().lines(), List.of(),
                    now.error(), inUse));
            return;
        }
        for (String relation : was.plan().indexedRelations()) {
            if (!now.plan().indexedRelations().contains(relation) && now.plan().seqScanned().contains(relation)) {
                findings.add(new Finding(Kind.INDEX_NO_LONGER_USED, index, s, before, after, was.plan().lines(),
                        now.plan().lines(), relation + " was read through " + String.join(", ",
                        was.plan().indexesOn(relation)) + ", now by a Seq Scan", inUse));
            }
        }
        double a = was.plan().cost();
        double b = now.plan().cost();
        if (b > a * costFactor && b - a > 1.0) {
            findings.add(new Finding(Kind.COST_ROSE, index, s, before, after, was.plan().lines(), now.plan().lines(),
                    String.format(Locale.ROOT, "total cost %.2f -> %.2f (%.1f times; limit %.1f)", a, b,
                            a == 0 ? Double.POSITIVE_INFINITY : b / a, costFactor), inUse));
        }
    }

    /** Whether application version {@code app} may be connected while clusters are in {@code state}. */
    private static boolean inUse(CompatibilityMatrix matrix, int app, State state) {
        return matrix.phases().stream().anyMatch(p -> p.inUse().contains(app) && p.states().contains(state));
    }

    private static Explained explain(Connection c, AppStatement s) throws SQLException {
        int parameters = s.parameters();
        SchemaWalk.execute(c, "SAVEPOINT fenceline_plan");
        try (Statement st = c.createStatement()) {
            String sql;
            if (parameters == 0) {
                sql = "EXPLAIN (FORMAT JSON, VERBOSE) " + s.text();
            } else {
                st.execute("SET LOCAL plan_cache_mode = force_generic_plan");
                st.execute("PREPARE fenceline_plan AS " + s.text());
                sql = "EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE fenceline_plan("
                        + String.join(", ", Collections.nCopies(parameters, "NULL")) + ")";
            }
            String json;
            try (ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                json = rs.getString(1);
            }
            SchemaWalk.execute(c, "RELEASE SAVEPOINT fenceline_plan");
            return new Explained(PlanShape.parse(json), null);
        } catch (SQLException e) {
            SchemaWalk.execute(c, "ROLLBACK TO SAVEPOINT fenceline_plan");
            SchemaWalk.execute(c, "RELEASE SAVEPOINT fenceline_plan");
            // pgJDBC puts the position on a line of its own: one line per finding.
            return new Explained(null, e.getSQLState() + ": " + e.getMessage().replaceAll("\\s+", " ").strip());
        } finally {
            if (parameters > 0) {
                // Prepared statements are not transactional: a rollback to the savepoint keeps them.
                SchemaWalk.execute(c, "DEALLOCATE ALL");
            }
        }
    }
}
