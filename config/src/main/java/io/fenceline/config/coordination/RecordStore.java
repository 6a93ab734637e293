package io.fenceline.config.coordination;

import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.ProxyStatus;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Reads and writes Fenceline's records in etcd through the JSON codec. Every call is asynchronous (safe
 * on an event loop), bounded by the request timeout, and fails only with a {@link CoordinationException}
 * (etcd not reachable in time) or a {@code RecordCodecException} (a stored value that is not the expected
 * record, naming key and field). Expected outcomes such as "the key exists" are values.
 */
public interface RecordStore {

    /** The raw entry, if the key exists. */
    CompletableFuture<Optional<StoredEntry>> getEntry(String key);

    /** Every entry under {@code prefix}, in key order. */
    CompletableFuture<List<StoredEntry>> getPrefix(String prefix);

    /** The record stored at {@code key}, decoded as {@code type}. */
    <T> CompletableFuture<Optional<Versioned<T>>> get(String key, Class<T> type);

    /** Every record under {@code prefix} decoded as {@code type}, in key order. */
    <T> CompletableFuture<List<Versioned<T>>> getAll(String prefix, Class<T> type);

    /**
     * The status of every proxy of every cluster of {@code group} (keys {@code …/clusters/{c}/proxies/{id}}),
     * keyed by the parsed key; other keys under the clusters prefix (modes, acks) are skipped.
     */
    CompletableFuture<Map<EtcdKey.Proxy, ProxyStatus>> proxyStatuses(String group);

    /** Writes {@code record} as JSON; returns the revision. */
    CompletableFuture<Long> put(String key, Object record);

    /** Writes {@code record} bound to a lease (it disappears with the lease); returns the revision. */
    CompletableFuture<Long> putLeased(String key, Object record, long leaseId);

    /** Writes plain text (the operator's mode keys); returns the revision. */
    CompletableFuture<Long> putText(String key, String text);

    /** Creates the key only if it does not exist. */
    CompletableFuture<PutResult> putIfAbsent(String key, Object record);

    /**
     * Replaces the value only if the key's mod revision is still {@code expectedModRevision}; pass 0 to
     * require that the key does not exist.
     */
    CompletableFuture<PutResult> compareAndSet(String key, Object record, long expectedModRevision);

    /** Deletes the key; true if it existed. */
    CompletableFuture<Boolean> delete(String key);

    /**
     * Deletes the key only if its mod revision is still {@code expectedModRevision} (nobody replaced it since it
     * was read); true if it was deleted, false if it was replaced or is gone.
     */
    CompletableFuture<Boolean> deleteIfUnchanged(String key, long expectedModRevision);

    /**
     * Appends an audit record for {@code group} under the next free sequence number, allocated atomically
     * (a transaction that creates {@code …/audit/{group}/{seq}} only if absent; concurrent writers retry
     * with the next number). Sequence numbers start at 1 and have no duplicates.
     *
     * @param cluster the cluster concerned, or null
     */
    CompletableFuture<AuditRecord> appendAudit(String group, Instant at, String actor, String action, String cluster,
                                               Map<String, String> details);

    /** Audit records of {@code group} with {@code seq >= fromSeq}, oldest first, at most {@code limit}. */
    CompletableFuture<List<AuditRecord>> listAudit(String group, long fromSeq, int limit);

    /** etcd's current revision. */
    CompletableFuture<Long> currentRevision();

    /** Compacts etcd's history up to {@code revision} (operations and tests of watch resync). */
    CompletableFuture<Void> compact(long revision);
}
