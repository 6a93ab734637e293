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
    /** Preflight refused: a cluster drifted, lags, is unreachable, another migration is active, or lint blocks. */
    public static final int PREFLIGHT_FAILED = 4;
    /** The rollout halted on a failed step or gate; everything is kept as it is (resume or rollback next). */
    public static final int HALTED = 5;
    /** The rollout was rolled back (automatically by policy, or by {@code rollback}). */
    public static final int ROLLED_BACK = 6;
    /** This instance did not get, or lost, control's leader lease (or a newer control epoch acted). */
    public static final int NOT_LEADER = 7;
    /** Refused without acting: another run is active ({@code apply}), or there is nothing to roll back. */
    public static final int REFUSED = 8;

    /** An operator's change was written, but not confirmed in time: a proxy still reports another mode (or
     *  none reports), or a handoff followed with {@code --wait} reached no outcome within its bound. */
    public static final int UNCONFIRMED = 9;
    /** A planned handoff ended without moving the writer: aborted, rejected by the writer, or expired. */
    public static final int ABORTED = 10;

    private ExitCodes() {
    }
}
