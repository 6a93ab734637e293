package io.fenceline.control.lint;

import io.fenceline.config.manifest.Manifest;
import io.fenceline.config.manifest.PhaseName;
import io.fenceline.control.lint.SchemaWalk.State;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which application versions can run against each schema state of a run, and whether the window rules keep every
 * application in use on a schema it can run against.
 *
 * <p>An application built for version {@code a} needs the {@link SchemaShape} of version {@code a} as its
 * manifest leaves it (after contract, if it has one; the baseline's shape for the baseline). It can run against a
 * state whose shape has every relation and column it needs with the same type. The window rules of
 * docs/schema-versions.md decide which applications are in use during each phase of version {@code k}:
 * <pre>
 * expand, backfill          window {k-1}     applications k-1        (clusters between the states before and after)
 * window widened, draining  window {k-1, k}  applications k-1 and k  (the state after expand and backfill)
 * contract                  window {k-1, k}  application k           (k-1 drained before contract starts)
 * done                      window {k}       application k
 * </pre>
 * A plan is refused when some phase has an application in use that cannot run against one of the phase's states.
 *
 * @param apps     the application versions, oldest first (the baseline, then every manifest's version)
 * @param rows     per schema state, per application version, why it cannot run there (empty: it can)
 * @param phases   per phase of the run, its window, the applications in use and whether each can run
 * @param problems every application in use with no compatible schema during a phase
 */
public record CompatibilityMatrix(List<Integer> apps, List<Row> rows, List<PhaseWindow> phases, List<Problem> problems) {

    /** One schema state and, per application version, the reasons it cannot run there. */
    public record Row(State state, Map<Integer, List<String>> reasons) {
        /** Whether application version {@code app} can run against this state. */
        public boolean runs(int app) {
            return reasons.getOrDefault(app, List.of()).isEmpty();
        }
    }

    /**
     * One phase of the run and the window it opens.
     *
     * @param version the version being rolled out
     * @param phase   {@code expand}, {@code backfill}, {@code window-widened}, {@code contract} or {@code done}
     * @param oldest  the window's oldest version while the phase runs
     * @param newest  the window's newest version
     * @param inUse   the application versions that may be connected during the phase
     * @param states  the schema states clusters are in during the phase
     */
    public record PhaseWindow(int version, String phase, int oldest, int newest, List<Integer> inUse, List<State> states) {
        /** {@code {1, 2}}. */
        public String window() {
            return oldest == newest ? "{" + oldest + "}" : "{" + oldest + ", " + newest + "}";
        }
    }

    /** An application in use during a phase with no compatible schema there. */
    public record Problem(int app, int version, String phase, State state, List<String> reasons) {
        @Override
        public String toString() {
            return "application version " + app + " has no compatible schema during " + phase + " of V" + version
                    + ": at " + state.label() + " " + String.join("; ", reasons);
        }
    }

    /**
     * The matrix of a run of {@code manifests} from {@code baseline}, given the shape of every state
     * ({@link SchemaWalk} order: the baseline, then each phase of each version).
     *
     * @throws IllegalArgumentException when a state of the run has no shape
     */
    public static CompatibilityMatrix of(int baseline, List<Manifest> manifests, Map<State, SchemaShape> shapes) {
        List<State> states = new ArrayList<>();
        states.add(new State(baseline, null));
        Map<Integer, State> last = new LinkedHashMap<>();
        last.put(baseline, states.get(0));
        for (Manifest m : manifests) {
            for (PhaseName p : m.phaseNames()) {
                State s = new State(m.version(), p);
                states.add(s);
                last.put(m.version(), s);
            }
        }
        for (State s : states) {
            if (!shapes.containsKey(s)) {
                throw new IllegalArgumentException("no schema shape for " + s.label());
            }
        }
        List<Integer> apps = new ArrayList<>(last.keySet());
        List<Row> rows = new ArrayList<>();
        for (State s : states) {
            Map<Integer, List<String>> reasons = new LinkedHashMap<>();
            for (int app : apps) {
                reasons.put(app, shapes.get(s).missing(shapes.get(last.get(app))));
            }
            rows.add(new Row(s, reasons));
        }
        Map<State, Row> byState = new LinkedHashMap<>();
        rows.forEach(r -> byState.put(r.state(), r));

        List<PhaseWindow> phases = new ArrayList<>();
        State before = states.get(0);
        int previous = baseline;
        for (Manifest m : manifests) {
            int k = m.version();
            for (PhaseName p : List.of(PhaseName.EXPAND, PhaseName.BACKFILL)) {
                if (m.phase(p).isPresent()) {
                    State after = new State(k, p);
                    phases.add(new PhaseWindow(k, p.key(), previous, previous, List.of(previous), List.of(before, after)));
                    before = after;
                }
            }
            phases.add(new PhaseWindow(k, "window-widened", previous, k, List.of(previous, k), List.of(before)));
            if (m.contract() != null) {
                State after = new State(k, PhaseName.CONTRACT);
                phases.add(new PhaseWindow(k, "contract", previous, k, List.of(k), List.of(before, after)));
                before = after;
            }
            phases.add(new PhaseWindow(k, "done", k, k, List.of(k), List.of(before)));
            previous = k;
        }
        List<Problem> problems = new ArrayList<>();
        for (PhaseWindow pw : phases) {
            for (int app : pw.inUse()) {
                for (State s : pw.states()) {
                    List<String> why = byState.get(s).reasons().get(app);
                    if (!why.isEmpty()) {
                        problems.add(new Problem(app, pw.version(), pw.phase(), s, why));
                        break;
                    }
                }
            }
        }
        return new CompatibilityMatrix(apps, rows, phases, problems);
    }

    public CompatibilityMatrix {
        apps = List.copyOf(apps);
        rows = List.copyOf(rows);
        phases = List.copyOf(phases);
        problems = List.copyOf(problems);
    }

    /** True when every application in use during every phase can run against the phase's schema states. */
    public boolean holds() {
        return problems.isEmpty();
    }

    /** The matrix, the phases' windows and the problems as text, as {@code fenceline plan} prints them. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("compatibility matrix: which application versions (declared schema versions) can run against each"
                + " schema state");
        StringBuilder head = new StringBuilder(String.format("  %-16s", "schema state"));
        apps.forEach(a -> head.append(String.format(" %-6s", "app V" + a)));
        out.add(head.toString().stripTrailing());
        for (Row r : rows) {
            StringBuilder line = new StringBuilder(String.format("  %-16s", r.state().label()));
            apps.forEach(a -> line.append(String.format(" %-6s", r.runs(a) ? "yes" : "no")));
            out.add(line.toString().stripTrailing());
        }
        for (Row r : rows) {
            r.reasons().forEach((app, why) -> {
                if (!why.isEmpty()) {
                    out.add("    app V" + app + " at " + r.state().label() + ": " + String.join("; ", why));
                }
            });
        }
        out.add("windows the run opens:");
        out.add(String.format("  %-20s %-8s %-12s %-30s %s", "phase", "window", "in use", "schema states", "verdict"));
        for (PhaseWindow pw : phases) {
            boolean ok = problems.stream().noneMatch(p -> p.version() == pw.version() && p.phase().equals(pw.phase()));
            out.add(String.format("  %-20s %-8s %-12s %-30s %s", "V" + pw.version() + " " + pw.phase(), pw.window(),
                    pw.inUse().stream().map(a -> "V" + a).collect(Collectors.joining(", ")),
                    pw.states().stream().map(State::label).collect(Collectors.joining(" -> ")),
                    ok ? "ok" : "NO COMPATIBLE SCHEMA").stripTrailing());
        }
        if (problems.isEmpty()) {
            out.add("every application version in use has a compatible schema in every phase");
        } else {
            problems.forEach(p -> out.add("  ! " + p));
        }
        return out;
    }
}
