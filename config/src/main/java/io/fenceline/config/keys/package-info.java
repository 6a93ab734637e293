/**
 * The etcd key layout of DESIGN.md, built and parsed in one place ({@link io.fenceline.config.keys.EtcdKeys}).
 * Names that become key segments (group, cluster, proxy id) are validated here so that no key can be
 * forged by a name containing {@code /}. Imports only the JDK and {@code io.fenceline.config.records}.
 */
package io.fenceline.config.keys;
