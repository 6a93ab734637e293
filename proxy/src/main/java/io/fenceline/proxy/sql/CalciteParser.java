package io.fenceline.proxy.sql;

import java.io.StringReader;

import io.fenceline.proxy.sql.parser.impl.PostgresParserImpl;
import io.fenceline.proxy.sql.parser.impl.TokenMgrError;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlAbstractParserImpl;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * Parses one normalised statement with the generated PostgreSQL dialect parser.
 *
 * <p>One parser instance per thread, re-initialised for each statement: creating a JavaCC parser
 * (token manager tables, lookahead buffers) costs more than parsing a short statement. Lexer
 * settings follow PostgreSQL: double-quoted identifiers keep their case, unquoted ones are folded to
 * lower case; conformance is Calcite's most lenient (BABEL).
 */
final class CalciteParser {

    /** Longer than PostgreSQL's 63-byte limit: PostgreSQL truncates, Calcite would reject. */
    private static final int IDENTIFIER_MAX_LENGTH = 4096;

    private static final ThreadLocal<PostgresParserImpl> PARSER =
            ThreadLocal.withInitial(() -> new PostgresParserImpl(new StringReader("")));

    private CalciteParser() {
    }

    static SqlNode parse(String sql) throws SqlParseException {
        PostgresParserImpl p = PARSER.get();
        p.ReInit(new StringReader(sql));
        p.setOriginalSql(sql);
        p.setTabSize(1);
        p.setQuotedCasing(Casing.UNCHANGED);
        p.setUnquotedCasing(Casing.TO_LOWER);
        p.setIdentifierMaxLength(IDENTIFIER_MAX_LENGTH);
        p.setConformance(SqlConformanceEnum.BABEL);
        p.switchTo(SqlAbstractParserImpl.LexicalState.DQID);
        try {
            return p.parseSqlStmtEof();
        } catch (Exception | TokenMgrError ex) {
            throw p.normalizeException(ex);
        } catch (StackOverflowError ex) {
            throw new SqlParseException("statement nested too deeply to parse (" + sql.length()
                    + " characters)", null, null, null, ex);
        }
    }
}
