package io.fenceline.config.records;

import java.time.Instant;

/**
 * Value of {@code …/groups/{group}/handoff}: an operator asks the group's writer to move to
 * {@code targetCluster}. The current writer pauses writes, waits until the target's replication caught up,
 * then releases its lease; if that takes longer than {@code timeoutMillis} it aborts and resumes writing.
 *
 * @param requestId unique id of this request, so the outcome can be audited against it
 */
public record HandoffRequest(String requestId, String targetCluster, String requestedBy, Instant at,
                             long timeoutMillis) {

    /** Validates every field. */
    public HandoffRequest {
        Checks.name("requestId", requestId);
        Checks.name("targetCluster", targetCluster);
        Checks.notBlank("requestedBy", requestedBy);
        Checks.notNull("at", at);
        Checks.atLeast("timeoutMillis", timeoutMillis, 1);
    }
}
