package io.fenceline.config.records;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Value of {@code …/audit/{group}/{seq}}: one decision (start, ack, gate passed or failed, halt, rollback,
 * operator action, lease transition). {@code seq} is allocated atomically in etcd, so records of a group
 * are totally ordered.
 *
 * @param cluster the cluster concerned, or null for group-wide decisions
 * @param details free-form key → value facts (ordered by key)
 */
public record AuditRecord(long seq, Instant at, String actor, String action, String group, String cluster,
                          Map<String, String> details) {

    /** Validates and copies {@code details}. */
    public AuditRecord {
        Checks.atLeast("seq", seq, 1);
        Checks.notNull("at", at);
        Checks.notBlank("actor", actor);
        Checks.notBlank("action", action);
        Checks.name("group", group);
        if (cluster != null) {
            Checks.name("cluster", cluster);
        }
        details = details == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(details));
    }

    /** The same record with another sequence number (used when the allocated number is known). */
    public AuditRecord withSeq(long newSeq) {
        return new AuditRecord(newSeq, at, actor, action, group, cluster, details);
    }
}
