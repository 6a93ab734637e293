package io.fenceline.proxy.schema;

/** Why the schema policy refused a connection or a statement: the {@code reason} tag of the refusal counter. */
public enum Refusal {
    /** The connection's version is outside the window (at startup, at a transaction boundary, or in a SET). */
    OUTSIDE_WINDOW("outside_window"),
    /** No version declared and the configuration requires one. */
    UNDECLARED("undeclared"),
    /** The declared value is not a schema version. */
    INVALID_VERSION("invalid_version"),
    /** A table (or view) absent from the connection's version. */
    TABLE("table"),
    /** A column absent from its table at the connection's version. */
    COLUMN("column"),
    /** DDL from a role other than control's. */
    DDL("ddl"),
    /** A statement the inspector did not fully understand, refused by configuration. */
    NOT_UNDERSTOOD("not_understood");

    private final String tag;

    Refusal(String tag) {
        this.tag = tag;
    }

    /** The metric tag. */
    public String tag() {
        return tag;
    }
}
