/**
 * Control's own configuration (group, clusters, waves, etcd, policies) read from YAML and validated as a
 * whole, and the HikariCP pools to each cluster's database. May import config's records and coordination
 * settings, Jackson, HikariCP and control's calendar arithmetic; nothing else of control.
 */
package io.fenceline.control.fleet;
