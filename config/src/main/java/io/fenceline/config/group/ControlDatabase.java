package io.fenceline.config.group;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the proxy reaches its own database with control rights (a superuser, or a role allowed to run
 * {@code ALTER SYSTEM}, {@code pg_reload_conf()} and to signal other backends) for the read-only fence and
 * for replication positions.
 *
 * @param jdbcUrl      pgJDBC URL of the local database, e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres}
 * @param user         role with control rights
 * @param password     its password, or null with trust / peer authentication
 * @param subscription name of the logical-replication subscription that brings the writer's changes here, or
 *                     null when this cluster replicates physically (its position is then the replay LSN)
 * @param fenceTimeout bound on one attempt to apply and verify the fence; failed attempts are retried
 */
public record ControlDatabase(String jdbcUrl, String user, String password, String subscription,
                             Duration fenceTimeout) {

    /** Default bound on one fence attempt. */
    public static final Duration DEFAULT_FENCE_TIMEOUT = Duration.ofSeconds(2);

    /**
     * Validates everything at once.
     *
     * @throws IllegalArgumentException listing every problem, each with its setting name ({@code database.*})
     */
    public ControlDatabase {
        List<String> problems = problems(jdbcUrl, user, subscription, fenceTimeout);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid control database settings (" + problems.size() + " problem"
                    + (problems.size() == 1 ? "" : "s") + "): " + String.join("; ", problems));
        }
    }

    /** Every problem with these values (empty when valid); each names its setting. */
    public static List<String> problems(String jdbcUrl, String user, String subscription, Duration fenceTimeout) {
        List<String> p = new ArrayList<>();
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            p.add("database.jdbc_url: '" + jdbcUrl + "' must start with jdbc:postgresql:");
        }
        if (user == null || user.isBlank()) {
            p.add("database.user: is required");
        }
        if (subscription != null && !subscription.matches("[a-z_][a-z0-9_$]{0,62}")) {
            p.add("database.subscription: '" + subscription + "' must be a plain lower-case identifier");
        }
        if (fenceTimeout == null || fenceTimeout.compareTo(Duration.ofMillis(100)) < 0) {
            p.add("database.fence_timeout: " + fenceTimeout + " must be at least 100ms");
        }
        return p;
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "ControlDatabase[" + jdbcUrl + ", user=" + user + ", password=" + (password == null ? "none" : "***")
                + ", subscription=" + subscription + ", fenceTimeout=" + fenceTimeout + "]";
    }
}
