package io.fenceline.config.records;

/**
 * Value of {@code …/groups/{group}/window}: the schema versions clients may use now. At most two adjacent
 * versions (F1's rule): {@code newest == oldest} or {@code newest == oldest + 1}.
 */
public record Window(int oldest, int newest) {

    /** Validates the F1 rule. */
    public Window {
        Checks.atLeast("oldest", oldest, 0);
        if (newest != oldest && newest != oldest + 1) {
            throw new InvalidRecordException("newest", "must equal oldest or oldest+1 (oldest=" + oldest
                    + ", newest=" + newest + ")");
        }
    }

    /** A window of one version. */
    public static Window of(int version) {
        return new Window(version, version);
    }

    /** Whether clients of {@code version} may connect. */
    public boolean contains(int version) {
        return version == oldest || version == newest;
    }

    /** The window after expanding to {@code newest + 1}; only from a single-version window. */
    public Window widen() {
        if (newest != oldest) {
            throw new IllegalStateException("cannot widen " + this + ": it already holds two versions");
        }
        return new Window(oldest, newest + 1);
    }

    /** The window after the old version drained: only {@code newest}. */
    public Window narrow() {
        return new Window(newest, newest);
    }
}
