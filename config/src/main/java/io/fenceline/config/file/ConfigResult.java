package io.fenceline.config.file;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of loading a configuration file: either the settings, or every problem found.
 *
 * @param <T> the settings type
 */
public sealed interface ConfigResult<T> {

    /** The file was valid. */
    record Valid<T>(T settings) implements ConfigResult<T> {
    }

    /** The file was invalid; {@code problems} lists all of them, never empty. */
    record Invalid<T>(List<ConfigProblem> problems) implements ConfigResult<T> {
        public Invalid {
            problems = List.copyOf(problems);
            if (problems.isEmpty()) {
                throw new IllegalArgumentException("an invalid configuration needs at least one problem");
            }
        }

        /** All problems, one per line, for an operator to read. */
        public String describe() {
            return problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n"));
        }
    }
}
