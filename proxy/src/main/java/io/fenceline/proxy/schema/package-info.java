/**
 * Schema-version enforcement: the window and catalogs followed from etcd, each connection's declared
 * version ({@link io.fenceline.proxy.schema.VersionTracker}), the statement policy that refuses what the
 * connection's version does not have, and the per-version connection counts. May import the proxy's
 * {@code policy}, {@code sql} and {@code metrics} packages, config's records, keys and coordination; never Netty.
 */
package io.fenceline.proxy.schema;
