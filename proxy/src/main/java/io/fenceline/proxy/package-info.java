/**
 * The proxy process: the command line ({@code fenceline proxy --config FILE}) and the wiring of
 * configuration, server, metrics and admin endpoint, including graceful shutdown on SIGTERM.
 * May import every package of the proxy and {@code io.fenceline.config}; never Netty channels.
 */
package io.fenceline.proxy;
