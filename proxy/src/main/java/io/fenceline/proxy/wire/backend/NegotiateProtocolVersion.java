package io.fenceline.proxy.wire.backend;

import io.fenceline.proxy.wire.CStrings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * NegotiateProtocolVersion ('v'): sent when the client asked for a newer minor version of protocol 3
 * or for {@code _pq_.} options the server does not know; names the newest supported protocol version and
 * the unrecognized options. The session then continues in the older version. (A different major
 * version is not negotiated: it is refused with an ErrorResponse.)
 *
 * <p>The version field is the whole version number, {@code 3 << 16 | minor}, as PostgreSQL writes it
 * ({@code PG_PROTOCOL_LATEST}; 196608 for 3.0 in PostgreSQL 15). libpq 18 refuses a value below 3.0 or
 * above the version it asked for as a downgrade it cannot accept.
 */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) {

    /** The major version the proxy speaks. */
    public static final int MAJOR = 3;

    public NegotiateProtocolVersion {
        if (newestMinorVersion < 0 || newestMinorVersion > 0xFFFF) {
            throw new IllegalArgumentException("minor version " + newestMinorVersion + " is outside 0..65535");
        }
        unrecognizedOptions = List.copyOf(unrecognizedOptions);
    }

    /** The version field as sent: {@code 3 << 16 | minor}. */
    public int newestVersion() {
        return MAJOR << 16 | newestMinorVersion;
    }

    /** Encodes the framed message. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        int len = 4 + 4 + 4;
        for (String o : unrecognizedOptions) {
            len += CStrings.length(o);
        }
        ByteBuf buf = alloc.buffer(1 + len).writeByte(BackendType.NEGOTIATE_PROTOCOL_VERSION).writeInt(len)
                .writeInt(newestVersion()).writeInt(unrecognizedOptions.size());
        for (String o : unrecognizedOptions) {
            CStrings.write(buf, o);
        }
        return buf;
    }
}
