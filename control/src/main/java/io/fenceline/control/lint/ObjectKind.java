package io.fenceline.control.lint;

/** The kinds of catalog object a snapshot records. */
public enum ObjectKind {
    SCHEMA("schema"),
    TABLE("table"),
    PARTITIONED_TABLE("partitioned table"),
    VIEW("view"),
    MATERIALIZED_VIEW("materialized view"),
    INDEX("index"),
    SEQUENCE("sequence"),
    FOREIGN_TABLE("foreign table"),
    COMPOSITE_TYPE("composite type"),
    COLUMN("column"),
    CONSTRAINT("constraint"),
    TYPE("type"),
    TRIGGER("trigger"),
    FUNCTION("function");

    private final String label;

    ObjectKind(String label) {
        this.label = label;
    }

    /** How reports name this kind. */
    public String label() {
        return label;
    }

    /** True for tables that hold rows (plain and partitioned). */
    public boolean holdsRows() {
        return this == TABLE || this == PARTITIONED_TABLE || this == MATERIALIZED_VIEW;
    }

    /** The kind of a {@code pg_class.relkind}. */
    static ObjectKind ofRelkind(String relkind) {
        return switch (relkind) {
            case "r" -> TABLE;
            case "p" -> PARTITIONED_TABLE;
            case "v" -> VIEW;
            case "m" -> MATERIALIZED_VIEW;
            case "i", "I" -> INDEX;
            case "S" -> SEQUENCE;
            case "f" -> FOREIGN_TABLE;
            case "c" -> COMPOSITE_TYPE;
            default -> throw new IllegalArgumentException("unknown relkind " + relkind);
        };
    }
}
