package io.fenceline.config.records;

import java.time.Instant;

/**
 * Value of {@code …/groups/{group}/writer}: which cluster (and which of its proxies) holds the group's
 * writer lease, and since when (wall clock, informational only; safety never reads it).
 */
public record WriterRecord(String cluster, String proxy, Instant since) {

    /** Validates every field. */
    public WriterRecord {
        Checks.name("cluster", cluster);
        Checks.name("proxy", proxy);
        Checks.notNull("since", since);
    }
}
