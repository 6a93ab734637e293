package io.fenceline.config.records;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Value of {@code …/groups/{group}/migration}: the journal of the current migration run, rewritten by
 * control (compare-and-set on the key's mod revision) at every transition so that a new control instance
 * can resume exactly where the last one stopped.
 *
 * @param runId           identifies the run (stable across resumes)
 * @param version         the schema version being rolled out
 * @param state           where the run is in the lifecycle
 * @param step            the step being applied in {@link State#EXPANDING}, {@link State#BACKFILLING},
 *                        {@link State#CONTRACTING} (and while halted or rolling back one of them); else null
 * @param wave            index of the wave being applied (0 = canary)
 * @param doneClusters    clusters that acked the current step of the current version
 * @param controlEpoch    control's leader epoch that wrote this entry
 * @param updatedAt       wall clock of the write (informational)
 * @param reason          why the run halted or rolls back; else null
 * @param waveOrders      per step of this run that has started ({@code expand}, {@code backfill}, {@code contract}),
 *                        the waves in the order control chose when the step began; {@link #wave} indexes the
 *                        current step's entry, a resumed run keeps it, and a rollback undoes each step in its
 *                        reverse. Empty in journals written before control recorded it (the configured waves then)
 */
public record MigrationJournal(String runId, int version, State state, Step step, int wave,
                               Set<String> doneClusters, long controlEpoch, Instant updatedAt, String reason,
                               Map<String, List<List<String>>> waveOrders) {

    /** A journal without recorded wave orders (a run whose steps have not started yet). */
    public MigrationJournal(String runId, int version, State state, Step step, int wave, Set<String> doneClusters,
                            long controlEpoch, Instant updatedAt, String reason) {
        this(runId, version, state, step, wave, doneClusters, controlEpoch, updatedAt, reason, Map.of());
    }

    /** Validates and copies {@code doneClusters} and {@code waveOrders}. */
    public MigrationJournal {
        Checks.name("runId", runId);
        Checks.atLeast("version", version, 0);
        Checks.notNull("state", state);
        Checks.atLeast("wave", wave, 0);
        TreeSet<String> copy = new TreeSet<>();
        if (doneClusters != null) {
            for (String c : doneClusters) {
                copy.add(Checks.name("doneClusters", c));
            }
        }
        doneClusters = Collections.unmodifiableSet(copy);
        TreeMap<String, List<List<String>>> orders = new TreeMap<>();
        if (waveOrders != null) {
            waveOrders.forEach((stepName, waves) -> {
                Step.parse(stepName);
                List<List<String>> ws = new ArrayList<>();
                for (List<String> w : waves == null ? List.<List<String>>of() : waves) {
                    if (w == null || w.isEmpty()) {
                        throw new InvalidRecordException("waveOrders", "step " + stepName + " has an empty wave");
                    }
                    w.forEach(c -> Checks.name("waveOrders", c));
                    ws.add(List.copyOf(w));
                }
                orders.put(stepName, List.copyOf(ws));
            });
        }
        waveOrders = Collections.unmodifiableMap(orders);
        Checks.atLeast("controlEpoch", controlEpoch, 1);
        Checks.notNull("updatedAt", updatedAt);
        if ((state == State.HALTED || state == State.ROLLING_BACK) && (reason == null || reason.isBlank())) {
            throw new InvalidRecordException("reason", "is required in state " + state.text());
        }
    }

    /**
     * The lifecycle of DESIGN.md:
     * {@code plan -> lint -> preflight -> expand(canary, waves...) [-> backfill] -> widen window
     * -> drain old version -> contract(waves) -> done}, with halt and rollback exits.
     */
    public enum State {
        PLANNED("planned"),
        LINTED("linted"),
        PREFLIGHTED("preflighted"),
        EXPANDING("expanding"),
        BACKFILLING("backfilling"),
        WINDOW_WIDENED("window-widened"),
        DRAINING("draining"),
        CONTRACTING("contracting"),
        DONE("done"),
        /** Stopped on a failed step or gate; everything kept as it is until resume or rollback. */
        HALTED("halted"),
        ROLLING_BACK("rolling-back"),
        ROLLED_BACK("rolled-back");

        private final String text;

        State(String text) {
            this.text = text;
        }

        /** Text used in JSON and output. */
        @JsonValue
        public String text() {
            return text;
        }

        /** Parses the JSON text (case-insensitive, {@code _} or {@code -}). */
        @JsonCreator
        public static State parse(String text) {
            String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
            for (State s : values()) {
                if (s.text.equals(t)) {
                    return s;
                }
            }
            throw new InvalidRecordException("state", "'" + text + "' is not a migration state");
        }

        /** Whether the run is over in this state. */
        public boolean terminal() {
            return this == DONE || this == ROLLED_BACK;
        }

        /** The states a journal in this state may be rewritten to (itself included: progress within a state). */
        public Set<State> next() {
            return switch (this) {
                case PLANNED -> EnumSet.of(PLANNED, LINTED, HALTED);
                case LINTED -> EnumSet.of(LINTED, PREFLIGHTED, HALTED);
                // A version without expand starts with backfill; one with neither (contract only) widens at once.
                case PREFLIGHTED -> EnumSet.of(PREFLIGHTED, EXPANDING, BACKFILLING, WINDOW_WIDENED, HALTED);
                case EXPANDING -> EnumSet.of(EXPANDING, BACKFILLING, WINDOW_WIDENED, HALTED, ROLLING_BACK);
                case BACKFILLING -> EnumSet.of(BACKFILLING, WINDOW_WIDENED, HALTED, ROLLING_BACK);
                case WINDOW_WIDENED -> EnumSet.of(WINDOW_WIDENED, DRAINING, HALTED, ROLLING_BACK);
                // A version without contract is done once the old version drained and the window narrowed.
                case DRAINING -> EnumSet.of(DRAINING, CONTRACTING, DONE, HALTED, ROLLING_BACK);
                case CONTRACTING -> EnumSet.of(CONTRACTING, DONE, HALTED);
                case HALTED -> EnumSet.complementOf(EnumSet.of(DONE, ROLLED_BACK, PLANNED));
                case ROLLING_BACK -> EnumSet.of(ROLLING_BACK, ROLLED_BACK, HALTED);
                case DONE, ROLLED_BACK -> EnumSet.noneOf(State.class);
            };
        }

        /** Whether {@code to} is a legal next state. */
        public boolean canMoveTo(State to) {
            return next().contains(to);
        }
    }

    /**
     * The journal after a transition.
     *
     * @throws IllegalStateException naming both states when the lifecycle forbids the move
     */
    public MigrationJournal moveTo(State to, Step newStep, int newWave, Set<String> done, long epoch,
                                   Instant at, String why) {
        if (!state.canMoveTo(to)) {
            throw new IllegalStateException("migration " + runId + " (version " + version + ") cannot move from "
                    + state.text() + " to " + to.text() + "; allowed: " + state.next());
        }
        return new MigrationJournal(runId, version, to, newStep, newWave, done, epoch, at, why, waveOrders);
    }

    /** The waves recorded for {@code step}, if its order was journaled. */
    public Optional<List<List<String>>> waveOrder(Step step) {
        return Optional.ofNullable(waveOrders.get(step.text()));
    }

    /** This journal with {@code waves} recorded as the order of {@code step} (not yet written anywhere). */
    public MigrationJournal withWaveOrder(Step step, List<List<String>> waves) {
        Map<String, List<List<String>>> orders = new TreeMap<>(waveOrders);
        orders.put(step.text(), waves);
        return new MigrationJournal(runId, version, state, this.step, wave, doneClusters, controlEpoch, updatedAt,
                reason, orders);
    }
}
