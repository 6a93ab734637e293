package io.fenceline.config.manifest;

import java.util.Objects;

/**
 * One thing wrong with a migrations folder. Validation collects every problem before reporting.
 *
 * @param kind    the class of problem, for programs and tests
 * @param file    the file concerned, relative to the migrations folder (or the folder itself)
 * @param key     the manifest key concerned (for example {@code expand.down}), or empty
 * @param message what is wrong, with the values involved
 */
public record ManifestProblem(Kind kind, String file, String key, String message) {

    /** Classes of problem. */
    public enum Kind {
        /** The folder or a file cannot be read. */
        UNREADABLE,
        /** The file is not valid YAML, or not a mapping. */
        SYNTAX,
        /** A key is missing, unknown or has a bad value. */
        FIELD,
        /** The file name does not follow the naming rules. */
        FILE_NAME,
        /** A Flyway file whose version has several parts ({@code V1_1__}) or is repeatable ({@code R__}). */
        UNSUPPORTED_FLYWAY,
        /** The version in the file name differs from the version inside the file. */
        VERSION_MISMATCH,
        /** Two files declare the same version. */
        DUPLICATE,
        /** The versions are not contiguous. */
        GAP,
        /** The folder holds no manifest. */
        EMPTY,
        /** A manifest was changed after it was applied. */
        EDITED,
        /** A version that was applied has no file. */
        MISSING,
        /** A version is not applied although a later one is. */
        OUT_OF_ORDER
    }

    public ManifestProblem {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return key.isEmpty() ? file + ": " + message : file + ": " + key + ": " + message;
    }
}
