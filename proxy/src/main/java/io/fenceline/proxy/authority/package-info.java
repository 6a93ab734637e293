/**
 * Write authority: the {@link io.fenceline.proxy.authority.WriteGate} the hot path asks before forwarding
 * each write, the per-group {@link io.fenceline.proxy.authority.WriterAuthority} that campaigns for the
 * writer key, applies the operator's mode, runs the fencing sequence and publishes status, the planned
 * {@link io.fenceline.proxy.authority.Handoff}, and {@link io.fenceline.proxy.authority.WritePolicy}, the gate as
 * the data path's statement policy. Imports {@code io.fenceline.config..} (the coordination API, never jetcd
 * itself), the proxy's policy, verdict and metrics interfaces, and SLF4J; the Netty pipeline plugs in through {@link
 * io.fenceline.proxy.authority.SessionFence}, the database through {@link io.fenceline.proxy.authority.LocalFence}
 * and {@link io.fenceline.proxy.authority.ReplicationLag}.
 */
package io.fenceline.proxy.authority;
