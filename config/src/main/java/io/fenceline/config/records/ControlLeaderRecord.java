package io.fenceline.config.records;

import java.time.Instant;

/**
 * Value of {@code …/control/leader}: which control instance leads (lease-bound; its create revision is
 * control's epoch, written into every history row and ack so a stale instance cannot act).
 *
 * @param instance a name for the instance (host, pod), shown by {@code fenceline status}
 * @param since    when it won (wall clock, informational)
 */
public record ControlLeaderRecord(String instance, Instant since) {

    /** Validates every field. */
    public ControlLeaderRecord {
        Checks.notBlank("instance", instance);
        Checks.notNull("since", since);
    }
}
