/**
 * Test fixtures shared by every module's tests: real PostgreSQL servers and etcd clusters run as local
 * processes on free loopback ports, a Netty TCP fault link to place between any two parties, JUnit
 * extensions (server logs on failure, Netty leak detection that fails tests) and the architecture rules.
 * This package is Netty glue, so it may import {@code io.netty.channel}; it may also use pgJDBC, Jackson,
 * JUnit and ArchUnit, and nothing from {@code io.fenceline.proxy} or {@code io.fenceline.control}.
 */
package io.fenceline.testing;
