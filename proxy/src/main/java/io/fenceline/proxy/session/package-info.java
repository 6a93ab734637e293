/**
 * Per-connection protocol state: the phase (startup, authentication passed through, ready), cancel keys, the
 * scanner that follows backend message boundaries without copying, and the {@link
 * io.fenceline.proxy.session.SessionModel} — what the proxy believes about the session (prepared statements,
 * portals by batch, settings, transaction status, read-only state), from the server's answers only. May import
 * {@code ..wire..}, {@code ..sql} (verdicts and statement effects), {@code ..metrics} (the interface),
 * {@code io.netty.buffer} and the shared clock {@code io.fenceline.config.coordination.MonotonicClock};
 * never Netty channels.
 */
package io.fenceline.proxy.session;
