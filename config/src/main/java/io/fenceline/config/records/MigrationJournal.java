package io.fenceline.config.records;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.OptBoolean;
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
 * @param timing          the calendar of the current wave (cooldown, window, gate time box), in wall time so that
 *                        a control instance resuming after a restart honours it; {@link Timing#NONE} when nothing
 *                        was recorded
 */
public record MigrationJournal(String runId, int version, State state, Step step, int wave,
                               Set<String> doneClusters, long controlEpoch, Instant updatedAt, String reason,
                               Map<String, List<List<String>>> waveOrders,
                               // Optional in JSON: a journal an older control wrote has no timing.
                               @JacksonInject(useInput = OptBoolean.TRUE) Timing timing) {

    /** A journal without recorded wave orders (a run whose steps have not started yet). */
    public MigrationJournal(String runId, int version, State state, Step step, int wave, Set<String> doneClusters,
                            long controlEpoch, Instant updatedAt, String reason) {
        this(runId, version, state, step, wave, doneClusters, controlEpoch, updatedAt, reason, Map.of(), Timing.NONE);
    }

    /** A journal without timing (as written before control recorded it). */
    public MigrationJournal(String runId, int version, State state, Step step, int wave, Set<String> doneClusters,
                            long controlEpoch, Instant updatedAt, String reason, Map<String, List<List<String>>> waveOrders) {
        this(runId, version, state, step, wave, doneClusters, controlEpoch, updatedAt, reason, waveOrders, Timing.NONE);
    }

    /**
     * The calendar of the current wave ({@link #step}, {@link #wave}), in wall time.
     *
     * @param previousWaveEnded when the wave before the current one (same step) passed its gate: the cooldown
     *                          counts from here; null for a step's first wave
     * @param waveBegun         when the current wave was let begin (its cooldown over, inside a rollout window):
     *                          once set, the wave finishes even if its window closes; null before
     * @param gateSince         when the gate after the current wave began waiting: its time box counts from here,
     *                          across restarts; null outside the gate
     * @param waiting           what the run waits for now, for {@code status}; null when it does not wait
     */
    public record Timing(Instant previousWaveEnded, Instant waveBegun, Instant gateSince, Wait waiting) {

        /** Nothing recorded. */
        public static final Timing NONE = new Timing(null, null, null, null);

        /** This timing waiting for {@code wait} (null: not waiting). */
        public Timing waitingFor(Wait wait) {
            return new Timing(previousWaveEnded, waveBegun, gateSince, wait);
        }
    }

    /**
     * What a run waits for.
     *
     * @param kind  {@code window} (outside every rollout window), {@code cooldown} (after the previous wave) or
     *              {@code gate} (the gate after a wave, time-boxed)
     * @param since when the wait began
     * @param until when it ends: the window opens, the cooldown is over, the gate times out
     * @param text  the operator's sentence, e.g. {@code waiting for rollout window until 2026-12-08T09:00+01:00}
     */
    public record Wait(String kind, Instant since, Instant until, String text) {
        public Wait {
            Checks.notNull("kind", kind);
            Checks.notNull("until", until);
        }
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
        timing = timing == null ? Timing.NONE : timing;
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
        return new MigrationJournal(runId, version, to, newStep, newWave, done, epoch, at, why, waveOrders, timing);
    }

    /** This journal with {@code newTiming} (not yet written anywhere). */
    public MigrationJournal withTiming(Timing newTiming) {
        return new MigrationJournal(runId, version, state, step, wave, doneClusters, controlEpoch, updatedAt, reason,
                waveOrders, newTiming);
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
                reason, orders, timing);
    }
}
