package io.fenceline.config.records;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import java.util.Optional;

/**
 * A cluster's write mode. The operator stores it as plain text in {@code …/clusters/{cluster}/mode};
 * {@link #parse} accepts what a person plausibly types: any case, surrounding blanks and quotes, and
 * {@code -}, {@code _} or a space between words ({@code read-only}, {@code READ_ONLY}, {@code "readonly"}).
 */
public enum Mode {
    /** Writes allowed while the writer lease is held. */
    WRITABLE("writable"),
    /** Writes refused with 25006. */
    READ_ONLY("read-only"),
    /** Writes wait (bounded, then 57014). */
    PAUSED("paused");

    private final String text;

    Mode(String text) {
        this.text = text;
    }

    /** The canonical text stored in etcd and shown to operators. */
    @JsonValue
    public String text() {
        return text;
    }

    /** The mode for an operator's text, or empty if it names none. */
    public static Optional<Mode> tryParse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String t = raw.strip();
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
            t = t.substring(1, t.length() - 1).strip();
        }
        t = t.toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
        return switch (t) {
            case "writable", "read-write", "readwrite", "rw" -> Optional.of(WRITABLE);
            case "read-only", "readonly", "ro" -> Optional.of(READ_ONLY);
            case "paused", "pause" -> Optional.of(PAUSED);
            default -> Optional.empty();
        };
    }

    /**
     * Parses an operator's text.
     *
     * @throws InvalidRecordException naming the value and the accepted modes
     */
    @JsonCreator
    public static Mode parse(String raw) {
        return tryParse(raw).orElseThrow(() -> new InvalidRecordException("mode",
                "'" + raw + "' is not a mode: use writable, read-only or paused"));
    }
}
