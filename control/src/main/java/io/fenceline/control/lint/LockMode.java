package io.fenceline.control.lint;

import java.util.Optional;

/** PostgreSQL's table-level lock modes, weakest first, with the names {@code pg_locks.mode} uses. */
public enum LockMode {
    ACCESS_SHARE("AccessShareLock", "reads only: conflicts with ACCESS EXCLUSIVE"),
    ROW_SHARE("RowShareLock", "SELECT FOR UPDATE/SHARE"),
    ROW_EXCLUSIVE("RowExclusiveLock", "writes rows: blocks no reader or writer"),
    SHARE_UPDATE_EXCLUSIVE("ShareUpdateExclusiveLock", "blocks schema changes and vacuum, not reads or writes"),
    SHARE("ShareLock", "blocks writes, not reads"),
    SHARE_ROW_EXCLUSIVE("ShareRowExclusiveLock", "blocks writes, not reads"),
    EXCLUSIVE("ExclusiveLock", "blocks writes and SELECT FOR UPDATE, not plain reads"),
    ACCESS_EXCLUSIVE("AccessExclusiveLock", "blocks every read and write");

    private final String pgName;
    private final String effect;

    LockMode(String pgName, String effect) {
        this.pgName = pgName;
        this.effect = effect;
    }

    /** The name in {@code pg_locks.mode}. */
    public String pgName() {
        return pgName;
    }

    /** What it blocks, in a few words. */
    public String effect() {
        return effect;
    }

    /** True if this mode blocks plain INSERT/UPDATE/DELETE. */
    public boolean blocksWrites() {
        return compareTo(SHARE) >= 0;
    }

    /** The mode named {@code pgName}, if it is a table lock mode. */
    public static Optional<LockMode> ofPgName(String pgName) {
        for (LockMode mode : values()) {
            if (mode.pgName.equals(pgName)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
