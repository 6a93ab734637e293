/**
 * Messages the server (backend) sends that the proxy reads or writes itself: {@code ReadyForQuery},
 * {@code BackendKeyData}, {@code ErrorResponse}, {@code NegotiateProtocolVersion} and the one-byte TLS
 * answer. May import {@code io.fenceline.proxy.wire} and {@code io.netty.buffer}; never Netty channels.
 */
package io.fenceline.proxy.wire.backend;
