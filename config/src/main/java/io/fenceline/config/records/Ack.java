package io.fenceline.config.records;

import java.time.Instant;

/**
 * Value of {@code …/clusters/{cluster}/acks/{version}/{step}}: a cluster durably finished a step, ending at
 * the schema {@code checksum}, done by control at {@code epoch} (control's leader-key create revision).
 */
public record Ack(String checksum, Instant at, long epoch) {

    /** Validates every field. */
    public Ack {
        Checks.notBlank("checksum", checksum);
        Checks.notNull("at", at);
        Checks.atLeast("epoch", epoch, 1);
    }
}
