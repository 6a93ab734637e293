package io.fenceline.config.coordination;

/**
 * An etcd operation that did not complete (unreachable, timed out, refused), naming the operation, the key
 * and the time allowed. Expected outcomes (key occupied, compare failed) are values, never this.
 */
public final class CoordinationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message names the operation, key and limits; {@code cause} is the client's own error */
    public CoordinationException(String message, Throwable cause) {
        super(message, cause);
    }
}
