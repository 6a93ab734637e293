package io.fenceline.control.fleet;

import java.time.Duration;

/**
 * What control does when things are not as they should be.
 *
 * @param autoRollback    roll back the applied clusters (down SQL, reverse order) when a step or gate fails
 *                        before the window widened; otherwise only halt
 * @param maxLagBytes     preflight refuses a cluster whose replicas lag more than this (bytes of WAL)
 * @param gateTimeout     how long a gate between waves waits for its conditions before it fails
 * @param drainTimeout    how long contract waits for the old version's connections to reach 0 before halting
 * @param requireProxies  whether every cluster must have at least one proxy reporting; false is an explicit
 *                        policy for fleets (and tests) without proxies, and is written into every gate's audit
 * @param baselineVersion the schema version the clusters are at before the first manifest (no window in etcd)
 * @param errorWindow     the error-rate gate's window: how long before a wave's step its baseline error ratio is
 *                        measured, and how long after the step the gate keeps measuring; 0 disables that gate
 * @param errorMaxRise    the largest rise of a cluster's error ratio the gate allows, as a fraction (0.01 = one
 *                        percentage point)
 * @param errorMinStatements the fewest statements an interval needs before the error-rate gate judges it
 * @param writerOrder     how each step orders the waves around the group's writer (see {@link WriterOrder})
 * @param consistency     when control compares the clusters' rows, and what it does when they disagree
 * @param calendar        cooldowns between waves, rollout windows and per-step gate time boxes
 *                        ({@link RolloutCalendar}; {@link RolloutCalendar#NONE} without)
 */
public record Policies(boolean autoRollback, long maxLagBytes, Duration gateTimeout, Duration drainTimeout,
                       boolean requireProxies, int baselineVersion, Duration errorWindow, double errorMaxRise,
                       long errorMinStatements, WriterOrder writerOrder, Consistency consistency,
                       RolloutCalendar calendar) {

    public Policies {
        consistency = consistency == null ? Consistency.DEFAULTS : consistency;
        calendar = calendar == null ? RolloutCalendar.NONE : calendar;
    }

    /** Policies without a verify gate (divergence halts) and without a calendar. */
    public Policies(boolean autoRollback, long maxLagBytes, Duration gateTimeout, Duration drainTimeout,
                    boolean requireProxies, int baselineVersion, Duration errorWindow, double errorMaxRise,
                    long errorMinStatements, WriterOrder writerOrder) {
        this(autoRollback, maxLagBytes, gateTimeout, drainTimeout, requireProxies, baselineVersion, errorWindow,
                errorMaxRise, errorMinStatements, writerOrder, Consistency.DEFAULTS, RolloutCalendar.NONE);
    }

    /** The time box of the gate after each wave of {@code step}: its own {@code gate_timeout}, else the global one. */
    public Duration gateTimeout(io.fenceline.config.records.Step step) {
        return calendar.gateTimeout(step, gateTimeout);
    }

    /** {@code policies.writer_order}. */
    public enum WriterOrder {
        /**
         * At the start of each step, read the writer key: expand and backfill reach the writer's cluster last,
         * contract reaches it first (the other clusters keep their configured waves); without a writer, as
         * configured. Logical replication needs this: a subscriber must have a column before its publisher sends
         * it, and a publisher must stop sending it before its subscribers drop it.
         */
        AUTO("auto"),
        /** Every step runs the configured waves in the configured order. */
        AS_CONFIGURED("as-configured");

        private final String text;

        WriterOrder(String text) {
            this.text = text;
        }

        /** The configuration's spelling. */
        public String text() {
            return text;
        }
    }

    /**
     * Defaults: auto-rollback on, 16 MiB lag, 30 s gates, 10 min drain, proxies required, baseline 0; error-rate
     * gate with 10 s windows, at most one percentage point of rise, judged from 100 statements; writer order
     * {@code auto}; no verify gate, divergence halts ({@link Consistency#DEFAULTS}).
     */
    public static final Policies DEFAULTS = new Policies(true, 16L << 20, Duration.ofSeconds(30),
            Duration.ofMinutes(10), true, 0, Duration.ofSeconds(10), 0.01, 100, WriterOrder.AUTO,
            Consistency.DEFAULTS, RolloutCalendar.NONE);
}
