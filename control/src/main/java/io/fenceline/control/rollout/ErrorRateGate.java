package io.fenceline.control.rollout;

import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.records.ProxyStatus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The "no rise in errors" gate between waves, judged from the counters the proxies publish in their
 * {@link ProxyStatus} ({@code statements} and {@code errors}, cumulative since each proxy started).
 *
 * <p>Three readings of the statuses: {@code b0} a window before the wave's step, {@code b} just before it,
 * and {@code w1} a window after the step ended. Per cluster of the wave, summed over its proxies:
 * <pre>
 *   before = errors / statements over [b0, b]        (the cluster's ratio before the step)
 *   after  = errors / statements over [b, w1]        (during the step and the window after it)
 *   the gate fails when  after - before > maxRise
 * </pre>
 * A proxy whose counters went down, or whose lease changed, between two readings restarted in between:
 * its counts since the restart all fall in the interval, so they are taken as they are. A proxy that
 * appears in the later reading only counts the same way; one that disappears adds nothing. An interval with
 * fewer than {@code minStatements} statements cannot be judged: "after" then passes with a note, and an
 * unknown "before" is taken as 0, so a cluster without a baseline fails only when its own error ratio exceeds
 * {@code maxRise}.
 */
public final class ErrorRateGate {

    /**
     * @param window        how long before the step the baseline is measured, and how long after it the gate
     *                      keeps measuring; {@link Duration#ZERO} disables the gate
     * @param maxRise       the largest allowed rise of the error ratio, as a fraction (0.01 = one percentage point)
     * @param minStatements the fewest statements an interval needs to be judged
     */
    public record Settings(Duration window, double maxRise, long minStatements) {

        /** 10 s windows, one percentage point, 100 statements. */
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(10), 0.01, 100);

        /** Whether the gate runs at all. */
        public boolean enabled() {
            return !window.isZero();
        }

        /** The rule in words, for halt messages and audit records. */
        public String rule() {
            return String.format(Locale.ROOT, "per cluster, the error ratio (errors / statements reported by its"
                    + " proxies) during the step and %d ms after it may exceed the ratio in the %d ms before the step by"
                    + " at most %.2f percentage point(s); an interval with fewer than %d statements is not judged"
                    + " (an unknown baseline counts as 0); a proxy whose counters went down or whose lease changed"
                    + " restarted and is counted from 0", window.toMillis(), window.toMillis(), maxRise * 100,
                    minStatements);
        }
    }

    /** Statements and errors counted over one interval (summed over a cluster's proxies). */
    public record Counts(long statements, long errors) {

        /** The error ratio, or -1 when nothing was counted. */
        public double ratio() {
            return statements == 0 ? -1 : (double) errors / statements;
        }

        Counts plus(Counts other) {
            return new Counts(statements + other.statements, errors + other.errors);
        }
    }

    /** One cluster's figures and what the gate made of them. */
    public record ClusterJudgement(String cluster, Counts before, Counts after, boolean passed, String detail) {}

    /** The gate's answer for a wave. */
    public record Verdict(boolean passed, List<ClusterJudgement> clusters, String rule) {

        /** One line per cluster, for messages and the audit. */
        public String summary() {
            List<String> parts = new ArrayList<>();
            clusters.forEach(c -> parts.add(c.cluster() + ": " + c.detail()));
            return String.join("; ", parts);
        }

        /** The clusters that failed, with their figures. */
        public String failures() {
            List<String> parts = new ArrayList<>();
            clusters.stream().filter(c -> !c.passed()).forEach(c -> parts.add(c.cluster() + ": " + c.detail()));
            return String.join("; ", parts);
        }
    }

    private ErrorRateGate() {
    }

    /**
     * What {@code later} counted since {@code earlier} for one proxy (null {@code earlier}: the proxy is new).
     * A lease change or a counter that went down means the proxy restarted in between: its counters then
     * started from 0 inside the interval.
     */
    public static Counts delta(ProxyStatus earlier, ProxyStatus later) {
        if (earlier == null || restarted(earlier, later)) {
            return new Counts(later.statements(), later.errors());
        }
        return new Counts(later.statements() - earlier.statements(), later.errors() - earlier.errors());
    }

    /** Whether the proxy restarted between the two readings. */
    public static boolean restarted(ProxyStatus earlier, ProxyStatus later) {
        return earlier.lease() != later.lease() || later.statements() < earlier.statements()
                || later.errors() < earlier.errors();
    }

    /** The counts of {@code cluster}'s proxies between two readings. */
    public static Counts counts(String cluster, Map<EtcdKey.Proxy, ProxyStatus> earlier,
                                Map<EtcdKey.Proxy, ProxyStatus> later) {
        Counts sum = new Counts(0, 0);
        for (Map.Entry<EtcdKey.Proxy, ProxyStatus> e : later.entrySet()) {
            if (e.getKey().cluster().equals(cluster)) {
                sum = sum.plus(delta(earlier.get(e.getKey()), e.getValue()));
            }
        }
        return sum;
    }

    /**
     * Judges the wave's {@code clusters} from the three readings (see the class comment). {@code b0} may be
     * empty (no baseline, e.g. a resumed run): every "before" is then unknown.
     */
    public static Verdict judge(Settings s, List<String> clusters, Map<EtcdKey.Proxy, ProxyStatus> b0,
                                Map<EtcdKey.Proxy, ProxyStatus> b, Map<EtcdKey.Proxy, ProxyStatus> w1) {
        List<ClusterJudgement> out = new ArrayList<>();
        boolean all = true;
        for (String cluster : clusters) {
            Counts before = b0.isEmpty() ? new Counts(0, 0) : counts(cluster, b0, b);
            Counts after = counts(cluster, b, w1);
            boolean beforeKnown = before.statements() >= s.minStatements();
            String beforeText = beforeKnown ? percent(before) : "unknown (" + before.statements() + " statements), taken as 0%";
            boolean passed;
            String detail;
            if (after.statements() < s.minStatements()) {
                passed = true;
                detail = "not judged: " + after.statements() + " statement(s) after the step < " + s.minStatements()
                        + " (before " + beforeText + ")";
            } else {
                double base = beforeKnown ? before.ratio() : 0;
                double rise = after.ratio() - base;
                passed = rise <= s.maxRise() + 1e-12;
                detail = String.format(Locale.ROOT, "%s after vs %s before: %s%.2f points (limit %.2f)",
                        percent(after), beforeText, rise >= 0 ? "+" : "", rise * 100, s.maxRise() * 100);
            }
            all &= passed;
            out.add(new ClusterJudgement(cluster, before, after, passed, detail));
        }
        return new Verdict(all, out, s.rule());
    }

    private static String percent(Counts c) {
        return String.format(Locale.ROOT, "%.2f%% (%d/%d)", c.ratio() * 100, c.errors(), c.statements());
    }
}
