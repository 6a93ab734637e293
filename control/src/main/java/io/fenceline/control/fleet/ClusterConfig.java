package io.fenceline.control.fleet;

/**
 * One cluster control migrates: the primary's database as control's migration role sees it.
 *
 * @param name     the cluster's name in etcd keys and waves
 * @param jdbcUrl  pgJDBC URL of the cluster's primary database
 * @param user     role control connects as (owns the schema)
 * @param password its password, or null when the server does not ask for one
 */
public record ClusterConfig(String name, String jdbcUrl, String user, String password) {

    @Override
    public String toString() {
        return "ClusterConfig[name=" + name + ", jdbcUrl=" + jdbcUrl + ", user=" + user + ", password="
                + (password == null ? "none" : "***") + "]";
    }
}
