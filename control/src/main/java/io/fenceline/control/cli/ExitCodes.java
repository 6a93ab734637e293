package io.fenceline.control.cli;

/** What {@code fenceline}'s exit status means. */
public final class ExitCodes {

    /** Everything is fine: manifests valid, lint clean. */
    public static final int OK = 0;
    /** Lint found something that blocks: a breaking change before contract, a dangerous change not allowed,
     *  a statement PostgreSQL refused, or a down path that does not restore the catalog. */
    public static final int FINDINGS = 1;
    /** Bad input: unknown option or verb, invalid manifests, a version that is not in the folder. */
    public static final int BAD_INPUT = 2;
    /** The database cannot be reached (or failed lint's own catalog queries). */
    public static final int UNREACHABLE = 3;

    private ExitCodes() {
    }
}
