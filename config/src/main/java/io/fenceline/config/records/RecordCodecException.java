package io.fenceline.config.records;

/**
 * A stored value that cannot be read as the expected record (bad JSON, a wrong type, a missing field or a
 * broken rule), naming the etcd key and the field. Nothing is lost: the raw text is kept for the message.
 */
public final class RecordCodecException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final String field;

    RecordCodecException(String key, String field, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
        this.field = field;
    }

    /** The etcd key whose value was being read (or written). */
    public String key() {
        return key;
    }

    /** The JSON field at fault, or {@code "(document)"} when the document as a whole is unreadable. */
    public String field() {
        return field;
    }
}
