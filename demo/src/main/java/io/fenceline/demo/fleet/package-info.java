/**
 * The demo's processes on this machine: one etcd, three PostgreSQL clusters with logical replication between
 * them, a proxy per cluster as a child process of the shipped jar, and a fault link on each proxy's way to
 * etcd. It starts PostgreSQL, etcd and the fault links with the test fixtures of {@code io.fenceline.testing}
 * (config's test-jar, at compile scope on purpose: the demo starts exactly the processes the integration tests
 * start, as the {@code postgres} OS user when run as root, and one implementation of that is enough). Imports
 * config, the fixtures, pgJDBC and the JDK.
 */
package io.fenceline.demo.fleet;
