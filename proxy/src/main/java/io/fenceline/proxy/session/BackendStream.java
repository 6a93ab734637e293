package io.fenceline.proxy.session;

import io.fenceline.proxy.wire.backend.BackendKeyData;
import io.fenceline.proxy.wire.backend.BackendType;
import io.fenceline.proxy.wire.backend.ErrorResponse;
import io.fenceline.proxy.wire.backend.ReadyForQuery;
import io.netty.buffer.ByteBuf;

/**
 * Follows message boundaries in the byte stream from the server while the bytes themselves are
 * forwarded untouched. Only the 5-byte headers are read, plus the small bodies of ReadyForQuery,
 * BackendKeyData, ParameterStatus, the start of ErrorResponse (for its SQLSTATE) and of CommandComplete
 * (its tag), and the empty ParseComplete, BindComplete and CloseComplete. Headers and bodies may be split
 * across buffers at any byte. No allocation per message.
 */
public final class BackendStream {

    /** Callbacks for the messages the proxy follows. */
    public interface Listener {
        /** A ReadyForQuery with its transaction status byte. */
        void readyForQuery(byte status);

        /** A BackendKeyData. */
        void backendKeyData(int processId, int secretKey);

        /** An ErrorResponse with its SQLSTATE, or {@link ErrorResponse#UNKNOWN_SQLSTATE}. */
        void errorResponse(String sqlState);

        /** A CommandComplete, EmptyQueryResponse or PortalSuspended: one statement or Execute finished. */
        default void statementDone() {
        }

        /**
         * A CommandComplete (before {@link #statementDone}): the first {@code length} bytes of its tag are in
         * {@code tag} ({@code whole} when that is all of it, terminator excluded).
         */
        default void commandComplete(byte[] tag, int length, boolean whole) {
        }

        /** A ParameterStatus; {@code body} holds its first {@code length} bytes, all of it when {@code whole}. */
        default void parameterStatus(byte[] body, int length, boolean whole) {
        }

        /** A ParseComplete, BindComplete or CloseComplete (its type byte). */
        default void extendedComplete(byte type) {
        }
    }

    /** How much of a ParameterStatus body is kept (the settings the proxy follows are short). */
    static final int PARAMETER_PREFIX = 160;
    /** How much of a CommandComplete tag is kept ({@code DEALLOCATE ALL} is the longest the proxy reads). */
    static final int TAG_PREFIX = 24;

    /** How much of an ErrorResponse body is kept to find its SQLSTATE. */
    private static final int ERROR_PREFIX = 96;

    private final byte[] header = new byte[5];
    private int headerFill;
    private byte type;
    private int remaining;
    private final byte[] body = new byte[PARAMETER_PREFIX];
    private int bodyWanted;
    private int bodyFill;
    private long messages;
    private int bodyLength;

    /**
     * Scans the readable bytes of {@code buf} without moving its indexes.
     *
     * @return null, or a description of a malformed header (length below 4) after which the stream
     *         cannot be followed
     */
    public String scan(ByteBuf buf, Listener listener) {
        int reached = run(buf, listener, false);
        return reached < 0 ? malformed : null;
    }

    /**
     * Like {@link #scan}, but stops right after the first message that completes in {@code buf}.
     *
     * @return the index in {@code buf} just after that message (the writer index when none completes),
     *         or -1 when a header is malformed ({@link #scan} describes it)
     */
    public int scanToBoundary(ByteBuf buf, Listener listener) {
        return run(buf, listener, true);
    }

    private String malformed;

    private int run(ByteBuf buf, Listener listener, boolean stopAtBoundary) {
        int i = buf.readerIndex();
        final int end = buf.writerIndex();
        while (i < end) {
            if (remaining > 0) {
                int n = Math.min(remaining, end - i);
                if (bodyFill < bodyWanted) {
                    int take = Math.min(n, bodyWanted - bodyFill);
                    buf.getBytes(i, body, bodyFill, take);
                    bodyFill += take;
                }
                i += n;
                remaining -= n;
                if (remaining == 0) {
                    complete(listener);
                    if (stopAtBoundary) {
                        return i;
                    }
                }
                continue;
            }
            int length;
            if (headerFill == 0 && end - i >= 5) {
                type = buf.getByte(i);
                length = buf.getInt(i + 1);
                i += 5;
            } else {
                header[headerFill++] = buf.getByte(i++);
                if (headerFill < 5) {
                    continue;
                }
                headerFill = 0;
                type = header[0];
                length = (header[1] & 0xFF) << 24 | (header[2] & 0xFF) << 16 | (header[3] & 0xFF) << 8 | (header[4] & 0xFF);
            }
            if (length < 4) {
                malformed = "backend message type 0x" + Integer.toHexString(type & 0xFF) + " has length " + length + " below 4";
                return -1;
            }
            remaining = length - 4;
            bodyLength = remaining;
            bodyFill = 0;
            bodyWanted = switch (type) {
                case BackendType.READY_FOR_QUERY, BackendType.BACKEND_KEY_DATA -> Math.min(remaining, 8);
                case BackendType.ERROR_RESPONSE -> Math.min(remaining, ERROR_PREFIX);
                case BackendType.PARAMETER_STATUS -> Math.min(remaining, PARAMETER_PREFIX);
                case BackendType.COMMAND_COMPLETE -> Math.min(remaining, TAG_PREFIX);
                default -> 0;
            };
            if (remaining == 0) {
                complete(listener);
                if (stopAtBoundary) {
                    return i;
                }
            }
        }
        return end;
    }

    /** True between messages: nothing of a partial message has been seen. */
    public boolean atBoundary() {
        return remaining == 0 && headerFill == 0;
    }

    /** Messages seen so far. */
    public long messages() {
        return messages;
    }

    private void complete(Listener listener) {
        messages++;
        switch (type) {
            case BackendType.READY_FOR_QUERY -> {
                if (bodyFill == 1 && ReadyForQuery.isValidStatus(body[0])) {
                    listener.readyForQuery(body[0]);
                }
            }
            case BackendType.BACKEND_KEY_DATA -> {
                if (bodyFill == BackendKeyData.LENGTH - 4) {
                    listener.backendKeyData(intAt(0), intAt(4));
                }
            }
            case BackendType.ERROR_RESPONSE -> listener.errorResponse(ErrorResponse.sqlStateOf(body, bodyFill));
            case BackendType.COMMAND_COMPLETE -> {
                // The tag ends with its zero byte: a whole tag is one byte shorter than the body.
                boolean whole = bodyFill == bodyLength;
                listener.commandComplete(body, whole ? Math.max(0, bodyFill - 1) : bodyFill, whole);
                listener.statementDone();
            }
            case BackendType.EMPTY_QUERY_RESPONSE, BackendType.PORTAL_SUSPENDED -> listener.statementDone();
            case BackendType.PARAMETER_STATUS -> listener.parameterStatus(body, bodyFill, bodyFill == bodyLength);
            case BackendType.PARSE_COMPLETE, BackendType.BIND_COMPLETE, BackendType.CLOSE_COMPLETE ->
                    listener.extendedComplete(type);
            default -> {
            }
        }
    }

    private int intAt(int o) {
        return (body[o] & 0xFF) << 24 | (body[o + 1] & 0xFF) << 16 | (body[o + 2] & 0xFF) << 8 | (body[o + 3] & 0xFF);
    }
}
