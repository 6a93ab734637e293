package io.fenceline.config.keys;

import io.fenceline.config.records.Step;

/**
 * A key of the layout, parsed back into its parts (what a prefix watch needs to route an event).
 * Built by {@link EtcdKeys#parse(String)}; each variant names the segments its key carries.
 */
public sealed interface EtcdKey {

    /** {@code …/groups/{group}/writer}: the lease-bound writer key; its create revision is the epoch. */
    record Writer(String group) implements EtcdKey {}

    /** {@code …/groups/{group}/window}: the schema versions clients may use. */
    record Window(String group) implements EtcdKey {}

    /** {@code …/groups/{group}/catalog/{version}}: tables and columns of one version. */
    record Catalog(String group, int version) implements EtcdKey {}

    /** {@code …/groups/{group}/clusters/{cluster}/mode}: the operator's override. */
    record Mode(String group, String cluster) implements EtcdKey {}

    /** {@code …/groups/{group}/clusters/{cluster}/acks/{version}/{step}}: a finished step. */
    record Ack(String group, String cluster, int version, Step step) implements EtcdKey {}

    /** {@code …/groups/{group}/clusters/{cluster}/proxies/{id}}: a proxy's lease-bound status. */
    record Proxy(String group, String cluster, String proxyId) implements EtcdKey {}

    /** {@code …/groups/{group}/clusters/{cluster}/telemetry/{id}}: a proxy's lease-bound replication telemetry. */
    record Telemetry(String group, String cluster, String proxyId) implements EtcdKey {}

    /** {@code …/groups/{group}/migration}: the journal of the current migration run. */
    record Migration(String group) implements EtcdKey {}

    /** {@code …/groups/{group}/handoff}: an operator's request to move the writer. */
    record Handoff(String group) implements EtcdKey {}

    /** {@code …/groups/{group}/handoff-progress}: where the current planned handoff stands. */
    record HandoffProgress(String group) implements EtcdKey {}

    /** {@code …/groups/{group}/wal}: the last writer's published WAL position. */
    record WalPosition(String group) implements EtcdKey {}

    /** {@code …/control/leader}: control's election key. */
    record ControlLeader() implements EtcdKey {}

    /** {@code …/audit/{group}/{seq}}: one decision record. */
    record Audit(String group, long seq) implements EtcdKey {}
}
