package io.fenceline.config.coordination;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Conversions between jetcd's types and ours, and the bounded-call wrapper every request goes through. */
final class Jetcd {

    private Jetcd() {
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static StoredEntry entry(KeyValue kv) {
        return new StoredEntry(text(kv.getKey()), text(kv.getValue()), kv.getCreateRevision(), kv.getModRevision(),
                kv.getVersion(), kv.getLease());
    }

    /**
     * Sends {@code request} and bounds it by {@code timeoutNanos} and turns any failure into a {@link CoordinationException}
     * naming the operation and the key.
     */
    static <T> CompletableFuture<T> bounded(String operation, String key, long timeoutNanos,
                                            Supplier<CompletableFuture<T>> request) {
        long started = System.nanoTime();
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<T> call;
        try {
            call = request.get();
        } catch (RuntimeException refused) {
            // jetcd refuses some calls synchronously (closed client, invalid retry settings).
            call = CompletableFuture.failedFuture(refused);
        }
        call.orTimeout(timeoutNanos, TimeUnit.NANOSECONDS).whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(new CoordinationException("etcd " + operation + " " + key + " failed after "
                        + (System.nanoTime() - started) / 1_000_000 + " ms (limit " + timeoutNanos / 1_000_000
                        + " ms): " + EtcdLeaseKeeper.describe(error), EtcdLeaseKeeper.unwrap(error)));
            }
        });
        return result;
    }

    /** Whether a watch failed because the revision it needed was compacted away. */
    static boolean isCompacted(Throwable error) {
        Throwable t = EtcdLeaseKeeper.unwrap(error);
        if (t instanceof CompactedException) {
            return true;
        }
        if (t instanceof EtcdException e && e.getErrorCode() == ErrorCode.OUT_OF_RANGE) {
            return true;
        }
        return t.getMessage() != null && t.getMessage().contains("compacted");
    }
}
