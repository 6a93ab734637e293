package io.fenceline.control.fleet;

import java.util.Set;

/**
 * {@code policies.verify} and {@code policies.on_divergence}: when control compares the clusters' rows
 * ({@code fenceline verify}) on its own, and what happens when they disagree — found by verify, by two clusters
 * recording different migration phases as applied, or by a writer change that finds writes it did not expect.
 *
 * @param verifyAt     the moments control runs verify by itself (empty: only when asked)
 * @param onDivergence what a divergence leads to
 */
public record Consistency(Set<VerifyAt> verifyAt, OnDivergence onDivergence) {

    /** No automatic verify; divergence halts the group. */
    public static final Consistency DEFAULTS = new Consistency(Set.of(), OnDivergence.HALT);

    public Consistency {
        verifyAt = Set.copyOf(verifyAt);
    }

    /** Entries of {@code policies.verify}. */
    public enum VerifyAt {
        /** After every wave's gate passed, in {@code apply} and {@code resume}. */
        AFTER_WAVE("after_wave"),
        /** After a planned handoff moved the writer ({@code fenceline handoff --wait}). */
        AFTER_WRITER_CHANGE("after_writer_change");

        private final String text;

        VerifyAt(String text) {
            this.text = text;
        }

        /** The configuration's spelling. */
        public String text() {
            return text;
        }
    }

    /** Values of {@code policies.on_divergence}. */
    public enum OnDivergence {
        /**
         * Every cluster of the group goes read-only (the operator's mode key, as {@code fenceline mode read-only}
         * writes it) until an operator decides: {@code fenceline reconcile --from C}, then {@code fenceline mode
         * writable}. A rollout halts.
         */
        HALT("halt"),
        /**
         * The writer's rows are copied over the other clusters' diverged rows, each overwritten row kept in
         * {@code fenceline.overwritten_rows} on its cluster; a second verify must then say the clusters agree.
         */
        WRITER_WINS("writer_wins"),
        /** The divergence is audited and reported; nothing changes. */
        REPORT_ONLY("report_only");

        private final String text;

        OnDivergence(String text) {
            this.text = text;
        }

        /** The configuration's spelling. */
        public String text() {
            return text;
        }

        /** The policy spelled {@code text}, or null. */
        public static OnDivergence parse(String text) {
            for (OnDivergence o : values()) {
                if (o.text.equals(text)) {
                    return o;
                }
            }
            return null;
        }
    }
}
