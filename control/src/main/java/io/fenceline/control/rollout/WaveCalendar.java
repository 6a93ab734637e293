package io.fenceline.control.rollout;

import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.MigrationJournal.Timing;
import io.fenceline.config.records.MigrationJournal.Wait;
import io.fenceline.config.records.Step;
import io.fenceline.control.calendar.RolloutWindows;
import io.fenceline.control.fleet.RolloutCalendar;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The calendar of a rollout's waves, journaled in {@link MigrationJournal.Timing} so that a control instance that
 * resumes the run after a restart honours what the one before it decided:
 * <ul>
 *   <li>a wave begins only after the cooldown of its step has passed since the wave before it passed its gate,
 *       and only inside a rollout window; outside, the run waits and says until when ({@code status} shows it);</li>
 *   <li>once a wave began it finishes, its gate included, even if its window closes meanwhile (stopping half a
 *       wave would leave the fleet in a state nobody planned); the next wave waits for the next window;</li>
 *   <li>a gate's time box counts from the moment the gate first began, so a restart does not extend it.</li>
 * </ul>
 * Every decision is an audit record ({@code cooldown-waiting}, {@code window-waiting}, {@code wave-admitted}).
 */
final class WaveCalendar {

    /** The journal as the run holds it, and a way to write new timing into it (compare-and-set). */
    interface JournalAccess {
        MigrationJournal journal();

        void writeTiming(Timing timing);
    }

    private final RolloutCalendar calendar;
    private final Waits waits;
    private final Audit audit;
    private final Consumer<String> progress;
    private final JournalAccess access;

    WaveCalendar(RolloutCalendar calendar, Waits waits, Audit audit, Consumer<String> progress, JournalAccess access) {
        this.calendar = Objects.requireNonNull(calendar, "calendar");
        this.waits = waits;
        this.audit = audit;
        this.progress = progress;
        this.access = access;
    }

    /**
     * Waits until wave {@code w} of {@code step} may begin, then journals that it began. A wave already begun (a
     * resumed run, or one with clusters done) is not held again.
     */
    void admit(int v, Step step, int w, List<String> wave) {
        MigrationJournal j = access.journal();
        if (j.timing().waveBegun() != null || wave.stream().anyMatch(j.doneClusters()::contains)) {
            return;
        }
        RolloutWindows windows = calendar.windows();
        Duration cooldown = calendar.cooldown(step);
        String what = "wave " + w + " of " + step.text() + " V" + v;
        while (true) {
            Instant now = waits.wall().now();
            Instant ended = access.journal().timing().previousWaveEnded();
            Instant cooled = ended == null || w == 0 ? null : ended.plus(cooldown);
            if (cooled != null && now.isBefore(cooled)) {
                await(new Wait("cooldown", now, cooled, "cooling down after wave " + (w - 1) + " of " + step.text()
                        + " V" + v + " until " + show(cooled, windows)), what, "cooldown", cooldown);
                continue;
            }
            if (!windows.open(now)) {
                Instant opens = windows.nextOpening(now).orElseThrow(() -> new RolloutStop(new RolloutOutcome.Halted(v,
                        "no rollout window of " + windows + " opens within eight days of " + now)));
                await(new Wait("window", now, opens, "waiting for rollout window until " + show(opens, windows)
                        + " (windows " + windows + ")"), what, "windows", windows);
                continue;
            }
            Timing t = access.journal().timing();
            access.writeTiming(new Timing(t.previousWaveEnded(), now, null, null));
            audit.record("wave-admitted", null, "version", v, "step", step.text(), "wave", w, "at", now,
                    "window", windows.containing(now).map(Object::toString).orElse("always"),
                    "cooldown", cooldown.isZero() || w == 0 ? "none" : cooldown + " since " + ended);
            return;
        }
    }

    /** Journals and audits what the run waits for (once per wait, across restarts), then waits until it is over. */
    private void await(Wait wait, String what, String policy, Object value) {
        Wait journaled = access.journal().timing().waiting();
        if (journaled == null || !journaled.kind().equals(wait.kind()) || !journaled.until().equals(wait.until())) {
            access.writeTiming(access.journal().timing().waitingFor(wait));
            audit.record(wait.kind() + "-waiting", null, "for", what, "until", wait.until(), policy, value);
        }
        // Said by every instance that waits, a resumed one too (the journal already holds the wait then).
        progress.accept("  " + wait.text());
        waits.untilWall(wait.until(), "while " + wait.text());
    }

    /**
     * The deadline of the gate after wave {@code w}: its time box counted from when this gate first began, which
     * is journaled now if it was not yet.
     */
    Instant gateDeadline(Duration timeout) {
        Timing t = access.journal().timing();
        Instant since = t.gateSince();
        if (since == null) {
            since = waits.wall().now();
            access.writeTiming(new Timing(t.previousWaveEnded(), t.waveBegun(), since, null));
        }
        return since.plus(timeout);
    }

    /**
     * Says that a gate is waiting for its conditions until {@code deadline}, and why; journals it unless the journal
     * already holds this wait (a resumed gate).
     */
    void gateWaiting(String gate, Instant deadline, String why) {
        Timing t = access.journal().timing();
        String text = "waiting for " + gate + " until " + show(deadline, calendar.windows()) + " (then halts): " + why;
        if (t.waiting() == null || !t.waiting().kind().equals("gate") || !t.waiting().until().equals(deadline)) {
            access.writeTiming(t.waitingFor(new Wait("gate", t.gateSince() == null ? waits.wall().now() : t.gateSince(),
                    deadline, text)));
        }
        progress.accept("  " + text);
    }

    /** The timing the next wave of the same step starts with: the cooldown counts from now. */
    Timing waveEnded() {
        return new Timing(waits.wall().now(), null, null, null);
    }

    /** An instant as operators read it: to the second, with the offset of the windows' zone. */
    static String show(Instant at, RolloutWindows windows) {
        return OffsetDateTime.ofInstant(at.truncatedTo(ChronoUnit.SECONDS), windows.displayZone()).toString();
    }
}
