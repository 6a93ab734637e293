package io.fenceline.config.coordination;

import java.util.Optional;

/** Outcome of a conditional write: written, or refused because the key was not as expected. */
public sealed interface PutResult {

    /** The value was written at {@code revision}. */
    record Written(long revision) implements PutResult {}

    /** The condition failed; {@code current} is what the key holds now (empty if it does not exist). */
    record Conflict(Optional<StoredEntry> current) implements PutResult {}
}
