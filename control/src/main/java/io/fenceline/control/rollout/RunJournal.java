package io.fenceline.control.rollout;

import io.fenceline.config.coordination.PutResult;
import io.fenceline.config.coordination.RecordStore;
import io.fenceline.config.coordination.Versioned;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.MigrationJournal;
import io.fenceline.config.records.MigrationJournal.State;
import io.fenceline.config.records.Step;
import io.fenceline.control.calendar.WallClock;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * The run's journal in {@code …/groups/{group}/migration} as this control instance holds it: the value and the mod
 * revision it was read or written at. Every write is a compare-and-set on that revision and carries control's
 * epoch, so two instances cannot both move it; losing the race ends this instance's run
 * ({@link RolloutOutcome.LostLeadership}). A move also settles the calendar ({@link MigrationJournal.Timing}): a new
 * step starts with none, a change of state ends any wait and time box.
 */
final class RunJournal implements WaveCalendar.JournalAccess {

    private final RecordStore store;
    private final EtcdKeys keys;
    private final String group;
    private final LongSupplier epoch;
    private final Waits waits;
    private final WallClock wall;
    private final CrashPoints crash;

    private MigrationJournal journal;
    private long revision;

    RunJournal(RecordStore store, EtcdKeys keys, String group, LongSupplier epoch, Waits waits, CrashPoints crash) {
        this.store = store;
        this.keys = keys;
        this.group = group;
        this.epoch = epoch;
        this.waits = waits;
        this.wall = waits.wall();
        this.crash = crash;
    }

    /** The journal as last read or written. */
    MigrationJournal now() {
        return journal;
    }

    @Override
    public MigrationJournal journal() {
        return journal;
    }

    /** The journal in etcd now. */
    Optional<Versioned<MigrationJournal>> read() {
        return store.get(keys.migration(group), MigrationJournal.class).join();
    }

    /** Takes over {@code existing} for a resume or rollback; refuses one written by a newer control epoch. */
    void adopt(Versioned<MigrationJournal> existing) {
        if (existing.value().controlEpoch() > epoch.getAsLong()) {
            throw new RolloutStop(new RolloutOutcome.LostLeadership("the journal was written at control epoch "
                    + existing.value().controlEpoch() + ", newer than ours (" + epoch.getAsLong() + ")"));
        }
        journal = existing.value();
        revision = existing.modRevision();
    }

    /** Writes a fresh run of {@code version} in state planned over whatever journal is there (a finished run). */
    MigrationJournal start(int version) {
        waits.requireLeader("before starting V" + version);
        long expected = read().map(Versioned::modRevision).orElse(0L);
        MigrationJournal fresh = new MigrationJournal(UUID.randomUUID().toString().substring(0, 8), version,
                State.PLANNED, null, 0, Set.of(), epoch.getAsLong(), wall.now(), null);
        PutResult r = store.compareAndSet(keys.migration(group), fresh, expected).join();
        if (!(r instanceof PutResult.Written w)) {
            throw new RolloutStop(new RolloutOutcome.LostLeadership("the migration journal changed while starting V"
                    + version + "; another control instance is acting"));
        }
        journal = fresh;
        revision = w.revision();
        return fresh;
    }

    /** Changes the journal in memory only (wave orders, timing); the next {@link #move} writes it. */
    void update(UnaryOperator<MigrationJournal> change) {
        journal = change.apply(journal);
    }

    @Override
    public void writeTiming(MigrationJournal.Timing timing) {
        journal = journal.withTiming(timing);
        move(journal.state(), journal.step(), journal.wave(), journal.doneClusters(), journal.reason());
    }

    /** Rewrites the journal with compare-and-set; losing the race ends this instance's run. */
    void move(State to, Step step, int wave, Set<String> done, String reason) {
        waits.requireLeader("before moving the journal to " + to.text());
        MigrationJournal next = journal.moveTo(to, step, wave, done, epoch.getAsLong(), wall.now(), reason);
        if (step != journal.step()) {
            // A new step (or none) starts without a calendar of its own yet.
            next = next.withTiming(MigrationJournal.Timing.NONE);
        } else if (to != journal.state()) {
            // A halt, a resume, or drain -> contract: a gate's or a drain's time box and any wait end here; the
            // cooldown and the wave's admission stay.
            MigrationJournal.Timing t = journal.timing();
            next = next.withTiming(new MigrationJournal.Timing(t.previousWaveEnded(), t.waveBegun(), null, null));
        }
        PutResult r = store.compareAndSet(keys.migration(group), next, revision).join();
        if (r instanceof PutResult.Written w) {
            journal = next;
            revision = w.revision();
            crash.reach("journal/V" + next.version() + "/" + to.text());
            return;
        }
        throw new RolloutStop(new RolloutOutcome.LostLeadership("the migration journal changed under us (expected mod"
                + " revision " + revision + ") while moving V" + next.version() + " to " + to.text()
                + "; another control instance is acting"));
    }
}
