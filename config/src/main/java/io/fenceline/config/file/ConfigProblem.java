package io.fenceline.config.file;

import java.util.Objects;

/**
 * One thing wrong with a configuration file: which file, which key (dotted path such as
 * {@code limits.maxMessageLength}) and what is wrong with it.
 */
public record ConfigProblem(String file, String key, String message) {

    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return file + ": " + (key.isEmpty() ? "(document)" : key) + ": " + message;
    }
}
