/**
 * All Netty channel glue: the server bootstrap (epoll where available, else NIO), the frontend framing
 * decoder, the frontend and backend handlers that relay bytes with backpressure, TLS termination and
 * cancel forwarding (TLS of both legs in detail: the {@code net.tls} subpackage). The only package that may import {@code io.netty.channel}.
 */
package io.fenceline.proxy.net;
