package io.fenceline.config.records;

import java.util.regex.Pattern;

/** Argument checks shared by the records; each failure names its field. */
final class Checks {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private Checks() {
    }

    static <T> T notNull(String field, T value) {
        if (value == null) {
            throw new InvalidRecordException(field, "is missing");
        }
        return value;
    }

    static String notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidRecordException(field, "is missing or blank");
        }
        return value;
    }

    /** A name that also appears in etcd keys: same pattern as {@code EtcdKeys.NAME_PATTERN}. */
    static String name(String field, String value) {
        notNull(field, value);
        if (!NAME.matcher(value).matches()) {
            throw new InvalidRecordException(field, "'" + value + "' must match " + NAME.pattern());
        }
        return value;
    }

    static long atLeast(String field, long value, long min) {
        if (value < min) {
            throw new InvalidRecordException(field, "must be >= " + min + ", got " + value);
        }
        return value;
    }
}
