/**
 * Parse-tree nodes of Fenceline's PostgreSQL dialect of Calcite's parser: the statements Calcite's
 * own tree cannot express (INSERT … ON CONFLICT … RETURNING, UPDATE … FROM, DELETE … USING,
 * PostgreSQL MERGE, SELECT … FOR UPDATE). May import Calcite; imported only by
 * {@code io.fenceline.proxy.sql} and the generated parser.
 */
package io.fenceline.proxy.sql.parser;
