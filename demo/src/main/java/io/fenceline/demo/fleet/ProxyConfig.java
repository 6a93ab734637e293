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

    /** The YAML text; {@code writeAuthority} adds the etcd, group and database sections. */
    public String yaml(boolean writeAuthority) {
        StringBuilder y = new StringBuilder()
                .append("# Fenceline demo: the proxy of cluster ").append(cluster).append('\n')
                .append("listen:\n  host: 127.0.0.1\n  port: ").append(port).append('\n')
                .append("upstream:\n  host: 127.0.0.1\n  port: ").append(pgPort).append('\n')
                .append("limits:\n  maxMessageLength: 64MiB\n  startupTimeout: 10s\n  maxConnections: 200\n")
                .append("admin:\n  host: 127.0.0.1\n  port: ").append(adminPort).append('\n')
                .append("shutdownGrace: 2s\n");
        if (writeAuthority) {
            y.append("etcd:\n  endpoints: [").append(etcdEndpoint).append("]\n")
                    .append("  leaseTtl: 3s\n  margin: 500ms\n  requestTimeout: 500ms\n")
                    .append("group:\n  name: ").append(group).append('\n')
                    .append("  cluster: ").append(cluster).append('\n')
                    .append("  proxyId: ").append(cluster).append("-1\n")
                    .append("  preferred: ").append(preferred).append('\n')
                    .append("  candidates: [").append(String.join(", ", candidates)).append("]\n")
                    .append("  failover: automatic\n  pauseBound: 5s\n  handoffTimeout: 20s\n  statusInterval: 500ms\n")
                    .append("database:\n  jdbcUrl: jdbc:postgresql://127.0.0.1:").append(pgPort).append('/')
                    .append(database).append('\n')
                    .append("  user: postgres\n");
            if (subscription != null) {
                y.append("  subscription: ").append(subscription).append('\n');
            }
        }
        return y.toString();
    }
}
