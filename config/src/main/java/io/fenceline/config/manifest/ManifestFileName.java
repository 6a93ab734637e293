package io.fenceline.config.manifest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a file name in a migrations folder says. Naming rules:
 * <ul>
 *   <li>{@code <version>-<slug>.yaml} (or {@code .yml}): a Fenceline manifest. The version is decimal and
 *       may be zero-padded ({@code 0012-add-email.yaml}; four digits keep folders sorted); the slug is
 *       lower-case letters, digits and hyphens.</li>
 *   <li>{@code V<version>__<name>.sql}: a Flyway migration, imported as an expand-only manifest.</li>
 *   <li>{@code U<version>__<name>.sql}: the Flyway undo script of {@code V<version>}, imported as its
 *       down SQL.</li>
 *   <li>Dotted or underscored Flyway versions ({@code V1_1__}, {@code V1.1__}) and repeatable migrations
 *       ({@code R__}) are refused: Fenceline versions are whole numbers applied once.</li>
 *   <li>Any other {@code .yaml}, {@code .yml} or {@code .sql} name is an error; files with other
 *       extensions and hidden files are ignored (a README may live beside the manifests).</li>
 * </ul>
 */
public sealed interface ManifestFileName {

    /** A Fenceline YAML manifest. */
    record Yaml(int version) implements ManifestFileName {
    }

    /** A Flyway versioned migration. */
    record FlywayVersioned(int version, String description) implements ManifestFileName {
    }

    /** A Flyway undo migration. */
    record FlywayUndo(int version) implements ManifestFileName {
    }

    /** A name that looks like a migration but breaks the rules. */
    record Refused(ManifestProblem.Kind kind, String reason) implements ManifestFileName {
    }

    /** Not a migration file. */
    record Ignored() implements ManifestFileName {
    }

    Pattern YAML = Pattern.compile("(\\d+)-([a-z0-9][a-z0-9-]*)\\.ya?ml");
    Pattern FLYWAY = Pattern.compile("([VU])(\\d+)__(.+)\\.sql");
    Pattern FLYWAY_DOTTED = Pattern.compile("[VU](\\d+(?:[._]\\d+)+)__.+\\.sql");
    Pattern FLYWAY_REPEATABLE = Pattern.compile("R__.+\\.sql");

    /** Classifies one file name (no directory part). */
    static ManifestFileName parse(String name) {
        if (name.startsWith(".")) {
            return new Ignored();
        }
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        boolean sql = name.endsWith(".sql");
        if (!yaml && !sql) {
            return new Ignored();
        }
        if (yaml) {
            Matcher m = YAML.matcher(name);
            if (!m.matches()) {
                return new Refused(ManifestProblem.Kind.FILE_NAME,
                        "manifest file names are <version>-<slug>.yaml with a lower-case slug of letters, digits"
                                + " and hyphens, for example 0012-add-email.yaml");
            }
            return versioned(m.group(1), new Yaml(0), null);
        }
        Matcher dotted = FLYWAY_DOTTED.matcher(name);
        if (dotted.matches()) {
            return new Refused(ManifestProblem.Kind.UNSUPPORTED_FLYWAY, "Flyway version " + dotted.group(1)
                    + " has several parts; Fenceline versions are whole numbers, so renumber the folder"
                    + " (V1, V2, V3, ...) before importing it");
        }
        if (FLYWAY_REPEATABLE.matcher(name).matches()) {
            return new Refused(ManifestProblem.Kind.UNSUPPORTED_FLYWAY,
                    "Flyway repeatable migrations (R__) are not supported: every Fenceline version is applied"
                            + " once; fold the script into a versioned migration");
        }
        Matcher m = FLYWAY.matcher(name);
        if (!m.matches()) {
            return new Refused(ManifestProblem.Kind.FILE_NAME,
                    "SQL files are imported only when named like Flyway's V<version>__<name>.sql"
                            + " (or U<version>__<name>.sql for its undo)");
        }
        String description = m.group(3).replace('_', ' ');
        return versioned(m.group(2), m.group(1).equals("V") ? new FlywayVersioned(0, description)
                : new FlywayUndo(0), description);
    }

    private static ManifestFileName versioned(String digits, ManifestFileName shape, String description) {
        int version;
        try {
            version = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return new Refused(ManifestProblem.Kind.FILE_NAME, "version " + digits + " is too large");
        }
        if (version <= 0) {
            return new Refused(ManifestProblem.Kind.FILE_NAME, "version " + digits + " must be greater than 0");
        }
        if (shape instanceof Yaml) {
            return new Yaml(version);
        }
        if (shape instanceof FlywayVersioned) {
            return new FlywayVersioned(version, description);
        }
        return new FlywayUndo(version);
    }
}
