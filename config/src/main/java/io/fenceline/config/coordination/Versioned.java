package io.fenceline.config.coordination;

/**
 * A decoded record with the etcd metadata needed to update it safely (compare-and-set on
 * {@link StoredEntry#modRevision()}).
 */
public record Versioned<T>(T value, StoredEntry entry) {

    /** Revision to pass to a compare-and-set. */
    public long modRevision() {
        return entry.modRevision();
    }
}
