package io.fenceline.config.file;

import io.fenceline.config.keys.EtcdKeys;

import java.util.Objects;

/**
 * The {@code schema:} section of the proxy's configuration: schema-version enforcement. The proxy follows
 * the window and the catalogs control publishes for {@code group} and checks every statement against the
 * catalog of the version its connection declared (see docs/schema-versions.md).
 *
 * @param group         the group whose {@code …/window} and {@code …/catalog/{version}} keys are followed
 * @param undeclared    what a connection that declares no version gets
 * @param notUnderstood what happens to statements the inspector did not fully understand
 * @param controlRole   the database role control applies migrations with: the only role whose DDL passes
 */
public record SchemaSettings(String group, Undeclared undeclared, NotUnderstood notUnderstood, String controlRole) {

    public SchemaSettings {
        EtcdKeys.requireName("group", group);
        Objects.requireNonNull(undeclared, "undeclared");
        Objects.requireNonNull(notUnderstood, "notUnderstood");
        if (controlRole == null || controlRole.isBlank()) {
            throw new IllegalArgumentException("schema.control_role must name the role control applies migrations with");
        }
    }

    /** Defaults for {@code group} and {@code control_role}: undeclared connections get the newest version. */
    public static SchemaSettings of(String group, String controlRole) {
        return new SchemaSettings(group, Undeclared.NEWEST, NotUnderstood.DEFAULT, controlRole);
    }

    /** What a connection that declares no schema version gets. */
    public enum Undeclared {
        /** The window's newest version at the moment the connection starts (kept for the connection's life). */
        NEWEST,
        /** Nothing: the connection is refused at startup (08004). */
        REFUSE;

        /** The YAML spelling. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Allow (and count) or refuse. */
    public enum Action {
        ALLOW, REFUSE;

        /** The YAML spelling. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * What happens to a statement the inspector did not fully understand, whose tables therefore cannot be
     * checked against the catalog.
     *
     * @param reads a text that starts like a query ({@code SELECT}, {@code VALUES}, {@code TABLE}); default allow
     * @param ddl   anything else, which may be DDL; default refuse (except from control's role)
     */
    public record NotUnderstood(Action reads, Action ddl) {
        /** Allow-and-count reads, refuse the rest. */
        public static final NotUnderstood DEFAULT = new NotUnderstood(Action.ALLOW, Action.REFUSE);

        public NotUnderstood {
            Objects.requireNonNull(reads, "reads");
            Objects.requireNonNull(ddl, "ddl");
        }
    }
}
