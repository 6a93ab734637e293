/**
 * Per-connection protocol state: the phase (startup, authentication passed through, ready), the
 * transaction status from ReadyForQuery, cancel keys, and the scanner that follows backend message
 * boundaries without copying. May import {@code ..wire..}, {@code ..metrics} (the interface),
 * {@code io.netty.buffer} and the shared clock {@code io.fenceline.config.coordination.MonotonicClock};
 * never Netty channels.
 */
package io.fenceline.proxy.session;
