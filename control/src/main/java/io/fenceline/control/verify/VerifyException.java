package io.fenceline.control.verify;

import java.sql.SQLException;

/**
 * Verify could not finish: a cluster failed a query, or replication did not catch up in time. The message
 * says what was being done; the run's report is then "could not verify".
 */
public final class VerifyException extends RuntimeException {

    public VerifyException(String message) {
        super(message);
    }

    public VerifyException(String doing, SQLException cause) {
        super(doing + ": [" + cause.getSQLState() + "] " + cause.getMessage(), cause);
    }
}
