package io.fenceline.control.rollout;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * Named points of a rollout where a drill (or a test) can make control die at once, without cleanup:
 * {@code -Dfenceline.crash-at=step-committed/V1/expand/c2,...} halts the JVM ({@link Runtime#halt}, no shutdown
 * hooks, connections and lease left to time out) when the rollout reaches that point. Unset in production.
 */
public final class CrashPoints {

    private static final Logger LOG = LoggerFactory.getLogger(CrashPoints.class);

    /** Exit status of a JVM halted at a crash point. */
    public static final int HALT_STATUS = 86;

    private final Set<String> armed;

    private CrashPoints(Set<String> armed) {
        this.armed = armed;
    }

    /** The points named by the {@code fenceline.crash-at} system property (none when unset). */
    public static CrashPoints fromSystemProperty() {
        String value = System.getProperty("fenceline.crash-at", "").strip();
        return new CrashPoints(value.isEmpty() ? Set.of() : Set.of(value.split("\\s*,\\s*")));
    }

    /** No point armed. */
    public static CrashPoints none() {
        return new CrashPoints(Set.of());
    }

    /** Halts the JVM if {@code point} is armed. */
    public void reach(String point) {
        if (armed.contains(point)) {
            LOG.warn("crash point {} reached: halting the JVM with status {}", point, HALT_STATUS);
            System.err.println("fenceline: crash point " + point + " reached; halting");
            System.err.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }
}
