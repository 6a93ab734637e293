package io.fenceline.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helpers to build and read protocol bytes by hand. */
public final class Bytes {
    private Bytes() {
    }

    /** A heap buffer of the given bytes. */
    public static ByteBuf of(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    /** Copies the readable bytes and releases the buffer. */
    public static byte[] drain(ByteBuf buf) {
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** A typed message with a correct length. */
    public static byte[] message(char type, byte[] body) {
        ByteBuf b = Unpooled.buffer().writeByte(type).writeInt(4 + body.length).writeBytes(body);
        return drain(b);
    }

    /** A startup-phase packet with a correct length. */
    public static byte[] startup(int code, byte[] body) {
        ByteBuf b = Unpooled.buffer().writeInt(8 + body.length).writeInt(code).writeBytes(body);
        return drain(b);
    }

    /** Name/value pairs, each zero-terminated, followed by the final zero. */
    public static byte[] params(String... nameValues) {
        StringBuilder sb = new StringBuilder();
        for (String s : nameValues) {
            sb.append(s).append('\0');
        }
        sb.append('\0');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Concatenation. */
    public static byte[] concat(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return drain(b);
    }

    /** Fields of an ErrorResponse ('E' message) keyed by their field byte. */
    public static Map<Character, String> errorFields(byte[] message) {
        if (message[0] != 'E') {
            throw new AssertionError("not an ErrorResponse: " + ByteBufUtil.hexDump(message));
        }
        Map<Character, String> fields = new LinkedHashMap<>();
        int i = 5;
        while (message[i] != 0) {
            char f = (char) message[i++];
            int s = i;
            while (message[i] != 0) {
                i++;
            }
            fields.put(f, new String(message, s, i - s, StandardCharsets.UTF_8));
            i++;
        }
        return fields;
    }
}
