package io.fenceline.config.coordination;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.keys.EtcdKeys;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.ProxyStatus;
import io.fenceline.config.records.Records;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** {@link RecordStore} over jetcd's KV client. */
final class EtcdRecordStore implements RecordStore {

    /** Concurrent audit writers each win a number eventually; this bounds a pathological loop. */
    private static final int MAX_AUDIT_ATTEMPTS = 200;

    private final KV kv;
    private final EtcdKeys keys;
    private final long timeoutNanos;

    EtcdRecordStore(KV kv, EtcdKeys keys, long timeoutNanos) {
        this.kv = kv;
        this.keys = keys;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public CompletableFuture<Optional<StoredEntry>> getEntry(String key) {
        return Jetcd.bounded("get", key, timeoutNanos, () -> kv.get(Jetcd.bytes(key)))
                .thenApply(r -> r.getKvs().isEmpty() ? Optional.empty() : Optional.of(Jetcd.entry(r.getKvs().get(0))));
    }

    @Override
    public CompletableFuture<List<StoredEntry>> getPrefix(String prefix) {
        GetOption option = GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build();
        return Jetcd.bounded("get prefix", prefix, timeoutNanos, () -> kv.get(Jetcd.bytes(prefix), option))
                .thenApply(EtcdRecordStore::entries);
    }

    @Override
    public <T> CompletableFuture<Optional<Versioned<T>>> get(String key, Class<T> type) {
        return getEntry(key).thenApply(e -> e.map(entry -> decode(entry, type)));
    }

    @Override
    public <T> CompletableFuture<List<Versioned<T>>> getAll(String prefix, Class<T> type) {
        return getPrefix(prefix).thenApply(list -> list.stream().map(e -> decode(e, type)).toList());
    }

    @Override
    public CompletableFuture<Map<EtcdKey.Proxy, ProxyStatus>> proxyStatuses(String group) {
        return getPrefix(keys.clustersPrefix(group)).thenApply(entries -> {
            Map<EtcdKey.Proxy, ProxyStatus> out = new LinkedHashMap<>();
            for (StoredEntry e : entries) {
                if (keys.parse(e.key()).orElse(null) instanceof EtcdKey.Proxy proxy) {
                    out.put(proxy, decode(e, ProxyStatus.class).value());
                }
            }
            return out;
        });
    }

    @Override
    public CompletableFuture<Long> put(String key, Object record) {
        return Jetcd.bounded("put", key, timeoutNanos, () -> kv.put(Jetcd.bytes(key), json(record)))
                .thenApply(r -> r.getHeader().getRevision());
    }

    @Override
    public CompletableFuture<Long> putLeased(String key, Object record, long leaseId) {
        PutOption option = PutOption.builder().withLeaseId(leaseId).build();
        return Jetcd.bounded("put (lease " + leaseId + ")", key, timeoutNanos, () -> kv.put(Jetcd.bytes(key), json(record), option))
                .thenApply(r -> r.getHeader().getRevision());
    }

    @Override
    public CompletableFuture<Long> putText(String key, String text) {
        return Jetcd.bounded("put", key, timeoutNanos, () -> kv.put(Jetcd.bytes(key), Jetcd.bytes(text)))
                .thenApply(r -> r.getHeader().getRevision());
    }

    @Override
    public CompletableFuture<PutResult> putIfAbsent(String key, Object record) {
        return conditionalPut("put-if-absent", key, json(record), CmpTarget.createRevision(0));
    }

    @Override
    public CompletableFuture<PutResult> compareAndSet(String key, Object record, long expectedModRevision) {
        CmpTarget<?> target = expectedModRevision == 0 ? CmpTarget.createRevision(0)
                : CmpTarget.modRevision(expectedModRevision);
        return conditionalPut("compare-and-set (mod revision " + expectedModRevision + ")", key, json(record), target);
    }

    private CompletableFuture<PutResult> conditionalPut(String operation, String key, ByteSequence value,
                                                        CmpTarget<?> expected) {
        ByteSequence k = Jetcd.bytes(key);
        Supplier<CompletableFuture<TxnResponse>> txn = () -> kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, expected))
                .Then(Op.put(k, value, PutOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit();
        return Jetcd.bounded(operation, key, timeoutNanos, txn).thenApply(r -> {
            if (r.isSucceeded()) {
                return new PutResult.Written(r.getHeader().getRevision());
            }
            List<StoredEntry> current = r.getGetResponses().isEmpty() ? List.of() : entries(r.getGetResponses().get(0));
            return new PutResult.Conflict(current.stream().findFirst());
        });
    }

    @Override
    public CompletableFuture<Boolean> delete(String key) {
        return Jetcd.bounded("delete", key, timeoutNanos, () -> kv.delete(Jetcd.bytes(key))).thenApply(r -> r.getDeleted() > 0);
    }

    @Override
    public CompletableFuture<Boolean> deleteIfUnchanged(String key, long expectedModRevision) {
        ByteSequence k = Jetcd.bytes(key);
        Supplier<CompletableFuture<TxnResponse>> txn = () -> kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
                .Then(Op.delete(k, DeleteOption.DEFAULT))
                .commit();
        return Jetcd.bounded("delete if unchanged (mod revision " + expectedModRevision + ")", key, timeoutNanos, txn)
                .thenApply(TxnResponse::isSucceeded);
    }

    @Override
    public CompletableFuture<AuditRecord> appendAudit(String group, Instant at, String actor, String action,
                                                      String cluster, Map<String, String> details) {
        // Validate the record (all fields) before touching etcd; seq 1 is a placeholder.
        AuditRecord draft = new AuditRecord(1, at, actor, action, group, cluster, details);
        return appendAudit(draft, 1);
    }

    private CompletableFuture<AuditRecord> appendAudit(AuditRecord draft, int attempt) {
        String prefix = keys.auditPrefix(draft.group());
        GetOption last = GetOption.builder().isPrefix(true).withKeysOnly(true).withLimit(1)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND).build();
        return Jetcd.bounded("get last audit key", prefix, timeoutNanos, () -> kv.get(Jetcd.bytes(prefix), last))
                .thenCompose(r -> {
                    long lastSeq = r.getKvs().isEmpty() ? 0 : keys.parse(Jetcd.text(r.getKvs().get(0).getKey()))
                            .filter(EtcdKey.Audit.class::isInstance).map(k -> ((EtcdKey.Audit) k).seq()).orElseThrow(
                                    () -> new IllegalStateException("unexpected key under " + prefix + ": "
                                            + Jetcd.text(r.getKvs().get(0).getKey())));
                    AuditRecord record = draft.withSeq(lastSeq + 1);
                    String key = keys.audit(draft.group(), record.seq());
                    ByteSequence k = Jetcd.bytes(key);
                    Supplier<CompletableFuture<TxnResponse>> txn = () -> kv.txn()
                            .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                            .Then(Op.put(k, json(record), PutOption.DEFAULT))
                            .commit();
                    return Jetcd.bounded("append audit", key, timeoutNanos, txn).thenCompose(t -> {
                        if (t.isSucceeded()) {
                            return CompletableFuture.completedFuture(record);
                        }
                        if (attempt >= MAX_AUDIT_ATTEMPTS) {
                            return CompletableFuture.failedFuture(new CoordinationException("could not allocate an audit"
                                    + " sequence number under " + prefix + " after " + attempt + " attempts (last tried "
                                    + record.seq() + ")", null));
                        }
                        return appendAudit(draft, attempt + 1);
                    });
                });
    }

    @Override
    public CompletableFuture<List<AuditRecord>> listAudit(String group, long fromSeq, int limit) {
        String prefix = keys.auditPrefix(group);
        String from = keys.audit(group, Math.max(1, fromSeq));
        // Range [from, end of prefix): the end is the prefix with its last byte incremented ('/' + 1 = '0').
        String end = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        GetOption option = GetOption.builder().withRange(Jetcd.bytes(end)).withLimit(limit)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build();
        return Jetcd.bounded("list audit", prefix, timeoutNanos, () -> kv.get(Jetcd.bytes(from), option))
                .thenApply(r -> entries(r).stream().map(e -> decode(e, AuditRecord.class).value()).toList());
    }

    @Override
    public CompletableFuture<Long> currentRevision() {
        return Jetcd.bounded("get", keys.prefix(), timeoutNanos,
                () -> kv.get(Jetcd.bytes(keys.prefix()), GetOption.builder().withCountOnly(true).build()))
                .thenApply(r -> r.getHeader().getRevision());
    }

    @Override
    public CompletableFuture<Void> compact(long revision) {
        return Jetcd.bounded("compact to revision " + revision, "(all keys)", timeoutNanos, () -> kv.compact(revision))
                .thenApply(r -> null);
    }

    private static List<StoredEntry> entries(GetResponse r) {
        List<StoredEntry> out = new ArrayList<>(r.getKvs().size());
        r.getKvs().forEach(kv -> out.add(Jetcd.entry(kv)));
        return out;
    }

    private static <T> Versioned<T> decode(StoredEntry e, Class<T> type) {
        return new Versioned<>(Records.fromJson(e.key(), e.value(), type), e);
    }

    private static ByteSequence json(Object record) {
        return ByteSequence.from(Records.toJsonBytes(record));
    }
}
