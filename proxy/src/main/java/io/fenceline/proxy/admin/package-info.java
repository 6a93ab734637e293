/**
 * The admin HTTP endpoint ({@code /health}, {@code /ready}, {@code /metrics}) on the JDK's built-in
 * HTTP server. Sees the proxy only through suppliers; imports neither Netty channels nor Micrometer.
 */
package io.fenceline.proxy.admin;
