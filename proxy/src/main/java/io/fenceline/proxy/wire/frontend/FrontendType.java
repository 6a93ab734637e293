package io.fenceline.proxy.wire.frontend;

/**
 * Type bytes of frontend messages after the startup phase, with the documentation's message names.
 */
public final class FrontendType {
    public static final byte BIND = 'B';
    public static final byte CLOSE = 'C';
    public static final byte COPY_DATA = 'd';
    public static final byte COPY_DONE = 'c';
    public static final byte COPY_FAIL = 'f';
    public static final byte DESCRIBE = 'D';
    public static final byte EXECUTE = 'E';
    public static final byte FLUSH = 'H';
    public static final byte FUNCTION_CALL = 'F';
    public static final byte PARSE = 'P';
    /** PasswordMessage, GSSResponse, SASLInitialResponse and SASLResponse share this byte. */
    public static final byte PASSWORD = 'p';
    public static final byte QUERY = 'Q';
    public static final byte SYNC = 'S';
    public static final byte TERMINATE = 'X';

    private FrontendType() {
    }

    /** The documentation's name for {@code type}, or a description of an unknown byte. */
    public static String name(byte type) {
        return switch (type) {
            case BIND -> "Bind";
            case CLOSE -> "Close";
            case COPY_DATA -> "CopyData";
            case COPY_DONE -> "CopyDone";
            case COPY_FAIL -> "CopyFail";
            case DESCRIBE -> "Describe";
            case EXECUTE -> "Execute";
            case FLUSH -> "Flush";
            case FUNCTION_CALL -> "FunctionCall";
            case PARSE -> "Parse";
            case PASSWORD -> "PasswordMessage";
            case QUERY -> "Query";
            case SYNC -> "Sync";
            case TERMINATE -> "Terminate";
            default -> describeUnknown(type);
        };
    }

    /** True for messages a client may send once the session is ready for queries. */
    public static boolean isQueryPhase(byte type) {
        return switch (type) {
            case BIND, CLOSE, COPY_DATA, COPY_DONE, COPY_FAIL, DESCRIBE, EXECUTE, FLUSH, FUNCTION_CALL,
                 PARSE, QUERY, SYNC, TERMINATE -> true;
            default -> false;
        };
    }

    private static String describeUnknown(byte type) {
        int b = type & 0xFF;
        return b >= 0x20 && b < 0x7F ? "unknown message type '" + (char) b + "'"
                : String.format("unknown message type 0x%02x", b);
    }
}
