package io.fenceline.demo.fleet;

import java.util.List;

/**
 * The configuration file of one demo proxy, in the format {@code bin/fenceline proxy --config FILE} reads.
 * The write-authority sections ({@code etcd}, {@code group}, {@code database}) are written only when the proxy
 * of this build reads them.
 *
 * @param cluster        the cluster the proxy fronts
 * @param port           client port
 * @param adminPort      admin HTTP port
 * @param pgPort         the cluster's PostgreSQL port on 127.0.0.1
 * @param database       the application database
 * @param etcdEndpoint   the etcd client URL the proxy uses (the fault link's, so it can be cut)
 * @param group          the write-authority group
 * @param preferred      the cluster that becomes writer first
 * @param candidates     the clusters that may hold the writer lease
 * @param subscription   the logical-replication subscription that brings the writer's changes to this cluster
 */
public record ProxyConfig(String cluster, int port, int adminPort, int pgPort, String database, String etcdEndpoint,
                          String group, String preferred, List<String> candidates, String subscription) {

    /** The role the demo application connects as (control applies migrations as {@code postgres}, directly). */
    public static final String APP_ROLE = "app";

    /**
     * The YAML text. {@code writeAuthority} adds the {@code etcd} and {@code group} sections (the writer lease, the
     * database-side fence through the superuser); {@code schemaVersions} adds {@code schema} (control's role is
     * {@code postgres}; the application's connections, as {@value #APP_ROLE}, are checked).
     */
    public String yaml(boolean writeAuthority, boolean schemaVersions) {
        StringBuilder y = new StringBuilder()
                .append("# Fenceline demo: the proxy of cluster ").append(cluster).append('\n')
                .append("listen:\n  host: 127.0.0.1\n  port: ").append(port).append('\n')
                .append("upstream:\n  host: 127.0.0.1\n  port: ").append(pgPort).append('\n')
                .append("limits:\n  max_message_length: 64MiB\n  startup_timeout: 10s\n  max_connections: 200\n")
                .append("admin:\n  host: 127.0.0.1\n  port: ").append(adminPort).append('\n')
                .append("shutdown_grace: 2s\n");
        if (writeAuthority || schemaVersions) {
            y.append("etcd:\n  endpoints: [").append(etcdEndpoint).append("]\n")
                    .append("  lease_ttl: 5s\n  margin: 500ms\n  request_timeout: 1s\n");
        }
        if (writeAuthority) {
            y.append("group:\n  name: ").append(group).append('\n')
                    .append("  cluster: ").append(cluster).append('\n')
                    .append("  proxy_id: ").append(cluster).append("-1\n")
                    .append("  preferred: ").append(preferred).append('\n')
                    .append("  candidates: [").append(String.join(", ", candidates)).append("]\n")
                    .append("  failover: automatic\n  max_lag_bytes: 16MiB\n  pause_bound: 5s\n  handoff_timeout: 20s\n")
                    .append("  status_interval: 500ms\n")
                    .append("  fence:\n    user: postgres\n    database: ").append(database).append('\n');
            if (subscription != null) {
                y.append("    subscription: ").append(subscription).append('\n');
            }
            y.append("    fence_timeout: 2s\n");
        }
        if (schemaVersions) {
            y.append("schema:\n  group: ").append(group).append("\n  control_role: postgres\n  undeclared: newest\n");
        }
        return y.toString();
    }
}
