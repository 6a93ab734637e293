/**
 * A harness that tries to write through a proxy whose cluster may not write, with PostgreSQL as the oracle
 * (issue 13, items 5 and 6): random client sessions from a seed ({@link io.fenceline.proxy.fuzz.SessionGenerator}),
 * a raw wire-protocol client to send them ({@link io.fenceline.proxy.fuzz.WireClient}), a logical-decoding slot
 * that must decode no client change ({@link io.fenceline.proxy.fuzz.DatabaseOracle}), a shrinker that prints the
 * smallest session that still writes, and the same idea for schema versions against a scratch database holding
 * one version's catalog ({@link io.fenceline.proxy.fuzz.SchemaOracle}). Test code: it may import anything.
 */
package io.fenceline.proxy.fuzz;
