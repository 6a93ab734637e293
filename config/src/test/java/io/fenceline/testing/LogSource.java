package io.fenceline.testing;

/**
 * A fixture that writes a log worth reading when a test fails: {@link ProcessLogsOnFailure} attaches the
 * last lines of every open log source to a failing test.
 */
public interface LogSource {

    /** A short name for the failure report, e.g. {@code postgres 127.0.0.1:54012}. */
    String describe();

    /** The last {@code lines} lines of the log (all of it when shorter); never throws. */
    String logTail(int lines);
}
