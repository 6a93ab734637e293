package io.fenceline.proxy.wire.frontend;

import io.fenceline.proxy.wire.CStrings;
import io.fenceline.proxy.wire.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * StartupMessage: protocol version (major in the high 16 bits) and name/value parameters such as
 * {@code user}, {@code database} and {@code options}, ending with an empty name.
 *
 * <p>The parameters are read as UTF-8 for the policy, but a decoded message keeps the client's bytes and
 * {@link #encode} writes them as sent: PostgreSQL reads startup parameters as bytes (a client that starts with
 * {@code client_encoding=LATIN1} sends its {@code application_name} in LATIN1), so re-encoding them would change
 * what the server stores.
 *
 * @param protocolVersion the requested version, {@code 196608} for 3.0
 * @param parameters      parameters in the order sent (a repeated name: its last value); {@code user} is always present
 * @param raw             the parameter area exactly as the client sent it (every name and value with its zero byte,
 *                        repeats included, then the final zero byte), or null for a message built in code; not part
 *                        of equality
 */
public record StartupMessage(int protocolVersion, Map<String, String> parameters, byte[] raw) implements StartupPacket {

    /** Protocol 3.0. */
    public static final int PROTOCOL_3_0 = 3 << 16;
    /** Parameters with this prefix are protocol extensions negotiated with NegotiateProtocolVersion. */
    public static final String PROTOCOL_OPTION_PREFIX = "_pq_.";

    public StartupMessage {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** A message built in code: encoded from {@code parameters} as UTF-8. */
    public StartupMessage(int protocolVersion, Map<String, String> parameters) {
        this(protocolVersion, parameters, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StartupMessage m && m.protocolVersion == protocolVersion && m.parameters.equals(parameters);
    }

    @Override
    public int hashCode() {
        return 31 * protocolVersion + parameters.hashCode();
    }

    /** Major protocol version. */
    public int major() {
        return protocolVersion >>> 16;
    }

    /** Minor protocol version. */
    public int minor() {
        return protocolVersion & 0xFFFF;
    }

    /** Names of {@code _pq_.} protocol options the client asked for. */
    public List<String> protocolOptions() {
        List<String> names = new ArrayList<>();
        for (String name : parameters.keySet()) {
            if (name.startsWith(PROTOCOL_OPTION_PREFIX)) {
                names.add(name);
            }
        }
        return names;
    }

    /** This message as protocol 3.0 without {@code _pq_.} options: what the proxy sends upstream. */
    public StartupMessage asVersion30() {
        Map<String, String> kept = new LinkedHashMap<>();
        parameters.forEach((k, v) -> {
            if (!k.startsWith(PROTOCOL_OPTION_PREFIX)) {
                kept.put(k, v);
            }
        });
        return new StartupMessage(PROTOCOL_3_0, kept, raw == null ? null : withoutProtocolOptions(raw));
    }

    /** The pairs of {@code area} whose name does not start with {@code _pq_.}, byte for byte, then the final zero. */
    private static byte[] withoutProtocolOptions(byte[] area) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(area.length);
        byte[] prefix = PROTOCOL_OPTION_PREFIX.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int at = 0;
        while (area[at] != 0) {
            int nameEnd = indexOfZero(area, at);
            int valueEnd = indexOfZero(area, nameEnd + 1);
            boolean option = nameEnd - at >= prefix.length
                    && java.util.Arrays.equals(area, at, at + prefix.length, prefix, 0, prefix.length);
            if (!option) {
                out.write(area, at, valueEnd + 1 - at);
            }
            at = valueEnd + 1;
        }
        out.write(0);
        return out.toByteArray();
    }

    private static int indexOfZero(byte[] a, int from) {
        int i = from;
        while (a[i] != 0) {
            i++;
        }
        return i;
    }

    /**
     * PostgreSQL's FATAL (08P01) for every malformed parameter list (no final zero byte, a name without a value,
     * an empty name before the end), so a client sees the same error through the proxy.
     */
    static final String LAYOUT = "invalid startup packet layout: expected terminator as last byte";

    /** Decodes a packet whose code is a protocol version; see {@link StartupPacket#decode}. */
    static StartupPacket decode(ByteBuf packet) {
        int start = packet.readerIndex();
        int end = start + packet.readableBytes();
        int version = packet.getInt(start + 4);
        int major = version >>> 16;
        if (major != 3) {
            return new Unsupported(version);
        }
        if (packet.getByte(end - 1) != 0) {
            // PostgreSQL's own words, so a client sees the same error either way.
            return new Invalid(ProtocolViolation.of(LAYOUT));
        }
        ByteBuf view = packet.duplicate().readerIndex(start + 8);
        Map<String, String> params = new LinkedHashMap<>();
        while (view.readerIndex() < end - 1) {
            String name = CStrings.read(view, end);
            String value = name == null ? null : CStrings.read(view, end);
            if (value == null) {
                return new Invalid(ProtocolViolation.of(LAYOUT));
            }
            if (name.isEmpty()) {
                return new Invalid(ProtocolViolation.of(LAYOUT));
            }
            // PostgreSQL accepts a repeated parameter and the last value wins (ProcessStartupPacket assigns it
            // again); the map keeps the first position and the last value, which the server reads the same way.
            params.put(name, value);
        }
        if (view.readerIndex() != end - 1) {
            return new Invalid(ProtocolViolation.of(LAYOUT));
        }
        if (!params.containsKey("user")) {
            return new Invalid(new ProtocolViolation("28000", "no PostgreSQL user name specified in startup packet"));
        }
        byte[] raw = new byte[end - (start + 8)];
        packet.getBytes(start + 8, raw);
        return new StartupMessage(version, params, raw);
    }

    /** Encodes the packet. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        if (raw != null) {
            return alloc.buffer(8 + raw.length).writeInt(8 + raw.length).writeInt(protocolVersion).writeBytes(raw);
        }
        int length = 4 + 4 + 1;
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            length += CStrings.length(e.getKey()) + CStrings.length(e.getValue());
        }
        ByteBuf buf = alloc.buffer(length);
        buf.writeInt(length).writeInt(protocolVersion);
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            CStrings.write(buf, e.getKey());
            CStrings.write(buf, e.getValue());
        }
        return buf.writeByte(0);
    }

    @Override
    public String toString() {
        return "StartupMessage[" + major() + "." + minor() + ", " + parameters + "]";
    }
}
