package io.fenceline.control.rollout;

import io.fenceline.config.coordination.RecordStore;
import io.fenceline.config.records.AuditRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes control's decisions as audit records of one group, and logs each one. */
public final class Audit {

    private static final Logger LOG = LoggerFactory.getLogger(Audit.class);

    private final RecordStore store;
    private final String group;
    private final String actor;

    public Audit(RecordStore store, String group, String actor) {
        this.store = store;
        this.group = group;
        this.actor = actor;
    }

    /**
     * Appends one record and waits for etcd to store it.
     *
     * @param cluster the cluster concerned, or null
     * @param pairs   detail keys and values, alternating
     */
    public AuditRecord record(String action, String cluster, Object... pairs) {
        Map<String, String> details = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            details.put(String.valueOf(pairs[i]), String.valueOf(pairs[i + 1]));
        }
        AuditRecord r = store.appendAudit(group, Instant.now(), actor, action, cluster, details).join();
        LOG.info("audit #{} {}{} {}", r.seq(), action, cluster == null ? "" : " " + cluster, r.details());
        return r;
    }
}
