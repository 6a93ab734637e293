package io.fenceline.proxy.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * One frontend message of a generated session, with its bytes (text already encoded in the client encoding the
 * session has at that point) and a readable form for reports.
 *
 * @param type     the message type byte ({@code Q}, {@code P}, {@code B}, {@code E}, {@code S}, {@code C},
 *                 {@code D}, {@code H}, {@code d}, {@code c})
 * @param body     the body after the length
 * @param readable e.g. {@code Parse s1 "DELETE FROM t"}
 */
public record Msg(char type, byte[] body, String readable) {

    /** The framed bytes: type, length, body. */
    public byte[] frame() {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    /** How many ReadyForQuery messages this message makes the server send (Query and Sync: one). */
    public int readyCount() {
        return type == 'Q' || type == 'S' ? 1 : 0;
    }

    static Msg query(byte[] sql, Charset cs) {
        return new Msg('Q', cstr(sql), "Query " + show(sql, cs));
    }

    static Msg parse(String name, byte[] sql, Charset cs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstr(name.getBytes(StandardCharsets.US_ASCII)));
        b.writeBytes(cstr(sql));
        b.write(0);
        b.write(0); // no parameter types
        return new Msg('P', b.toByteArray(), "Parse " + label(name) + " " + show(sql, cs));
    }

    /** Bind portal {@code portal} to statement {@code statement}, no parameters, text results. */
    static Msg bind(String portal, String statement) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstr(portal.getBytes(StandardCharsets.US_ASCII)));
        b.writeBytes(cstr(statement.getBytes(StandardCharsets.US_ASCII)));
        b.writeBytes(new byte[] {0, 0, 0, 0, 0, 0});
        return new Msg('B', b.toByteArray(), "Bind " + label(portal) + " <- " + label(statement));
    }

    static Msg execute(String portal) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(cstr(portal.getBytes(StandardCharsets.US_ASCII)));
        b.writeBytes(new byte[] {0, 0, 0, 0});
        return new Msg('E', b.toByteArray(), "Execute " + label(portal));
    }

    static Msg describe(char what, String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(what);
        b.writeBytes(cstr(name.getBytes(StandardCharsets.US_ASCII)));
        return new Msg('D', b.toByteArray(), "Describe " + (what == 'S' ? "statement " : "portal ") + label(name));
    }

    static Msg close(char what, String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(what);
        b.writeBytes(cstr(name.getBytes(StandardCharsets.US_ASCII)));
        return new Msg('C', b.toByteArray(), "Close " + (what == 'S' ? "statement " : "portal ") + label(name));
    }

    static Msg sync() {
        return new Msg('S', new byte[0], "Sync");
    }

    static Msg copyData(byte[] data, Charset cs) {
        return new Msg('d', data, "CopyData " + show(data, cs));
    }

    static Msg copyDone() {
        return new Msg('c', new byte[0], "CopyDone");
    }

    private static String label(String name) {
        return name.isEmpty() ? "(unnamed)" : name;
    }

    private static byte[] cstr(byte[] s) {
        byte[] r = new byte[s.length + 1];
        System.arraycopy(s, 0, r, 0, s.length);
        return r;
    }

    /**
     * A Java-string-like rendering of {@code bytes}: printable ASCII as is, everything else as {@code \xNN}, so
     * a reader sees the exact bytes (an SJIS trail byte 0x5C shows as a backslash after its lead byte).
     */
    static String show(byte[] bytes, Charset cs) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : bytes) {
            int c = x & 0xff;
            if (c == '"' || c == '\\') {
                s.append('\\').append((char) c);
            } else if (c == '\n') {
                s.append("\\n");
            } else if (c >= 0x20 && c < 0x7f) {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02X", c));
            }
        }
        return s.append('"').toString();
    }
}
