/**
 * Messages a client (frontend) sends, one immutable type per message with the PostgreSQL documentation's
 * name and a static {@code decode}/{@code encode}. May import {@code io.fenceline.proxy.wire} and
 * {@code io.netty.buffer}; never Netty channels.
 */
package io.fenceline.proxy.wire.frontend;
