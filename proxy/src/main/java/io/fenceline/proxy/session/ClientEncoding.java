package io.fenceline.proxy.session;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * How the proxy reads text in a PostgreSQL client encoding ({@code client_encoding}, as the server reports it).
 * What matters for inspection is where quotes, backslashes and semicolons are: in UTF8 and in every encoding
 * whose multi-byte characters use only bytes 0x80 and above (the single-byte LATINn/WINnnnn/ISO/KOI8 encodings,
 * the EUC encodings, MULE_INTERNAL, SQL_ASCII), an ASCII byte is always that ASCII character. Those are read
 * as UTF-8 (UTF8) or byte for byte as ISO-8859-1 (the rest: exact for LATIN1, and every ASCII character in
 * place for the others; non-ASCII letters in names read as other letters). SJIS, SHIFT_JIS_2004, BIG5, GBK,
 * GB18030, UHC and JOHAB have trailing bytes that can be 0x5C (a backslash) or other ASCII: the proxy does not
 * guess their character boundaries and refuses their texts as not understood ({@link #charset} null).
 */
public final class ClientEncoding {

    private static final Set<String> BYTE_SAFE = Set.of("SQL_ASCII", "LATIN1", "LATIN2", "LATIN3", "LATIN4", "LATIN5",
            "LATIN6", "LATIN7", "LATIN8", "LATIN9", "LATIN10", "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8",
            "WIN866", "WIN874", "WIN1250", "WIN1251", "WIN1252", "WIN1253", "WIN1254", "WIN1255", "WIN1256",
            "WIN1257", "WIN1258", "KOI8R", "KOI8U", "EUC_CN", "EUC_JP", "EUC_JIS_2004", "EUC_KR", "EUC_TW",
            "MULE_INTERNAL");

    private ClientEncoding() {
    }

    /**
     * The charset the proxy decodes and re-encodes texts in for {@code name} (PostgreSQL's canonical name, as in
     * ParameterStatus), or null when the proxy cannot lex that encoding.
     */
    public static Charset charset(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (n.equals("UTF8") || n.equals("UNICODE")) {
            return StandardCharsets.UTF_8;
        }
        return BYTE_SAFE.contains(n) ? StandardCharsets.ISO_8859_1 : null;
    }
}
