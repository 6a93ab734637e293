/**
 * TLS on both legs of a session: the certificate clients are answered with and the client certificates the
 * proxy asks for, the SSLRequest and handshake towards the server with libpq's sslmode meanings, and the guard
 * that keeps SCRAM channel binding from being attempted through the terminating proxy. Part of the Netty glue
 * (it may import {@code io.netty.channel}); it imports the wire messages and the configuration records, and
 * nothing of the statement path.
 */
package io.fenceline.proxy.net.tls;
