/**
 * The generated parser ({@code PostgresParserImpl}): Calcite's {@code Parser.jj} template expanded
 * by FMPP with {@code proxy/src/main/codegen} and compiled by JavaCC at build time. Nothing here is
 * written by hand except this file; only {@code io.fenceline.proxy.sql} uses it.
 */
package io.fenceline.proxy.sql.parser.impl;
