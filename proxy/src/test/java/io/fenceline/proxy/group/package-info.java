/**
 * The write authority proven end to end: two proxies of one group run as child JVMs in front of two real
 * PostgreSQL clusters (logical replication from one to the other) against a real three-member etcd, clients
 * write unique ids through both all the time, and {@link io.fenceline.proxy.group.WriteHistory} checks every
 * run. Test code: may import the test fixtures, pgJDBC and the config module.
 */
package io.fenceline.proxy.group;
