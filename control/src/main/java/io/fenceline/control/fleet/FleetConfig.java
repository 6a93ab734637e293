package io.fenceline.control.fleet;

import io.fenceline.config.coordination.EtcdAccess;
import io.fenceline.config.coordination.EtcdSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Control's configuration: the group it migrates, its clusters, the order of waves (the first is the
 * canary), how to reach etcd, the scratch database for lint, and the policies. Built only by
 * {@link FleetConfigLoader}, which validates everything at once.
 *
 * @param source     the file it was read from (for messages)
 * @param group      the group whose journal, window and catalogs control writes
 * @param instance   this control instance's name in the leader key and the audit
 * @param clusters   every cluster, in file order
 * @param waves      cluster names per wave; every cluster in exactly one wave; wave 0 is the canary
 * @param etcd       how to reach etcd
 * @param etcdAccess how to prove itself to etcd (user and password, TLS); {@link EtcdAccess#NONE} without
 * @param scratchUrl JDBC URL of a scratch database holding the current schema, or null (lint then skipped)
 * @param policies   what to do on failures
 */
public record FleetConfig(String source, String group, String instance, List<ClusterConfig> clusters,
                          List<List<String>> waves, EtcdSettings etcd, EtcdAccess etcdAccess, String scratchUrl,
                          Policies policies) {

    public FleetConfig {
        etcdAccess = etcdAccess == null ? EtcdAccess.NONE : etcdAccess;
        clusters = List.copyOf(clusters);
        List<List<String>> copy = new ArrayList<>();
        waves.forEach(w -> copy.add(List.copyOf(w)));
        waves = List.copyOf(copy);
    }

    /** A configuration reaching etcd without authentication or TLS. */
    public FleetConfig(String source, String group, String instance, List<ClusterConfig> clusters,
                       List<List<String>> waves, EtcdSettings etcd, String scratchUrl, Policies policies) {
        this(source, group, instance, clusters, waves, etcd, EtcdAccess.NONE, scratchUrl, policies);
    }

    /** The cluster with this name. */
    public Optional<ClusterConfig> cluster(String name) {
        return clusters.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** Cluster names in rollout order: wave by wave. */
    public List<String> rolloutOrder() {
        List<String> order = new ArrayList<>();
        waves.forEach(order::addAll);
        return order;
    }

    /** Index of the wave holding {@code cluster}. */
    public int waveOf(String cluster) {
        for (int i = 0; i < waves.size(); i++) {
            if (waves.get(i).contains(cluster)) {
                return i;
            }
        }
        throw new IllegalArgumentException("cluster " + cluster + " is in no wave of " + source);
    }

    /** The same configuration under another instance name (a second control on the same file). */
    public FleetConfig withInstance(String newInstance) {
        return new FleetConfig(source, group, newInstance, clusters, waves, etcd, etcdAccess, scratchUrl, policies);
    }
}
