package io.fenceline.config.coordination;

/**
 * A change seen by a {@link ResumableWatch}: the key after a put, or the key and the revision of a delete.
 */
public record KeyEvent(Type type, StoredEntry entry) {

    /** What happened to the key. */
    public enum Type { PUT, DELETE }

    /** The revision of this change. */
    public long revision() {
        return entry.modRevision();
    }

    /** The key changed. */
    public String key() {
        return entry.key();
    }
}
