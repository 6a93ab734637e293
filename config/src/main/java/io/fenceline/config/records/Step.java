package io.fenceline.config.records;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.Optional;

/** One phase of a migration on a cluster; its text is used in ack keys and JSON. */
public enum Step {
    EXPAND("expand"),
    BACKFILL("backfill"),
    CONTRACT("contract");

    private final String text;

    Step(String text) {
        this.text = text;
    }

    /** Lower-case name used in keys and JSON. */
    @JsonValue
    public String text() {
        return text;
    }

    /** The step for {@code text} (case-insensitive), or empty. */
    public static Optional<Step> tryParse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Step s : values()) {
            if (s.text.equals(t)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** Like {@link #tryParse} but throws, naming the value and the valid steps. */
    @JsonCreator
    public static Step parse(String text) {
        return tryParse(text).orElseThrow(() -> new InvalidRecordException("step",
                "'" + text + "' is not a step (expand, backfill, contract)"));
    }
}
