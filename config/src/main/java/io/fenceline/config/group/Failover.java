package io.fenceline.config.group;

import java.util.Locale;
import java.util.Optional;

/**
 * Who may take the writer key after the current writer's lease is gone.
 */
public enum Failover {
    /**
     * Only the cluster that last held the key (regaining its own authority), the preferred cluster when no
     * writer was ever recorded, or the target of an operator's handoff request.
     */
    MANUAL("manual"),
    /** Any candidate whose replication lag behind the last writer is within the bound. */
    AUTOMATIC("automatic");

    private final String text;

    Failover(String text) {
        this.text = text;
    }

    /** The text used in configuration files. */
    public String text() {
        return text;
    }

    /** The policy named by {@code raw} (any case), or empty. */
    public static Optional<Failover> tryParse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        return switch (raw.strip().toLowerCase(Locale.ROOT)) {
            case "manual" -> Optional.of(MANUAL);
            case "automatic" -> Optional.of(AUTOMATIC);
            default -> Optional.empty();
        };
    }
}
