package io.fenceline.control.history;

import java.util.Locale;

/** Whether a history row records a phase applied ({@code up}) or undone by its down SQL ({@code down}). */
public enum Direction {
    UP, DOWN;

    /** The text stored in {@code fenceline.history.direction}. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
