package io.fenceline.config.records;

/**
 * A record value that breaks a rule of its type, naming the field and the offending value. Thrown by the
 * records' constructors; the codec adds the etcd key it was reading.
 */
public final class InvalidRecordException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;

    /**
     * @param field   the record component at fault (JSON field name)
     * @param problem what is wrong, with the value
     */
    public InvalidRecordException(String field, String problem) {
        super("field '" + field + "': " + problem);
        this.field = field;
    }

    /** The JSON field at fault. */
    public String field() {
        return field;
    }
}
