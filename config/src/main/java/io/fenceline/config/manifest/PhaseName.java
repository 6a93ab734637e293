package io.fenceline.config.manifest;

import java.util.Locale;

/** The three phases of a migration, in the order control runs them. */
public enum PhaseName {
    /** Additive changes both the old and the new application version can live with. */
    EXPAND,
    /** Data movement between the expanded shapes, in batches. */
    BACKFILL,
    /** Removal of what only the old application version needed; runs after the old version drains. */
    CONTRACT;

    /** The key of this phase in a manifest file: {@code expand}, {@code backfill}, {@code contract}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
