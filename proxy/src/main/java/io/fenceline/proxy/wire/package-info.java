/**
 * PostgreSQL protocol 3.0 vocabulary shared by both directions: SQLSTATE codes, C-string helpers and the
 * value that describes a protocol violation. May import {@code io.netty.buffer} and the JDK only.
 */
package io.fenceline.proxy.wire;
