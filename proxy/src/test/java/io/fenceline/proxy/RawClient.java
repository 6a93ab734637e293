package io.fenceline.proxy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A PostgreSQL client speaking raw bytes, for tests that send what real drivers never would. */
public final class RawClient implements AutoCloseable {

    /** One backend message. */
    public record Message(char type, byte[] body) {
        /** ErrorResponse fields by field byte. */
        public Map<Character, String> errorFields() {
            Map<Character, String> f = new LinkedHashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char k = (char) body[i++];
                int s = i;
                while (body[i] != 0) {
                    i++;
                }
                f.put(k, new String(body, s, i - s, StandardCharsets.UTF_8));
                i++;
            }
            return f;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public RawClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public Socket socket() {
        return socket;
    }

    public InputStream input() {
        return in;
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** The next backend message. */
    public Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int len = in.readInt();
        byte[] body = new byte[len - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    /** Reads one byte (answer to SSLRequest/GSSENCRequest). */
    public int readByte() throws IOException {
        return in.read();
    }

    /** Messages up to and including ReadyForQuery. */
    public java.util.List<Message> readUntilReady() throws IOException {
        java.util.List<Message> all = new java.util.ArrayList<>();
        Message m;
        do {
            m = read();
            all.add(m);
        } while (m.type() != 'Z');
        return all;
    }

    /** True when the server closed the connection (EOF) before {@code timeoutMillis}. */
    public boolean closedByPeer(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            byte[] buf = new byte[4096];
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by peer
        }
    }

    /** Sends StartupMessage for {@code user} (trust auth) and reads to the first ReadyForQuery. */
    public RawClient startTrusted(String user, String database) throws IOException {
        send(startup(196608, params("user", user, "database", database)));
        Message m;
        do {
            m = read();
            if (m.type() == 'E') {
                throw new IOException("startup failed: " + m.errorFields());
            }
        } while (m.type() != 'Z');
        return this;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---- byte builders ----

    public static byte[] startup(int code, byte[] body) {
        return ByteBuffer.allocate(8 + body.length).putInt(8 + body.length).putInt(code).put(body).array();
    }

    public static byte[] params(String... nameValues) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String s : nameValues) {
            b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        b.write(0);
        return b.toByteArray();
    }

    public static byte[] message(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    public static byte[] query(String sql) {
        return message('Q', (sql + "\0").getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** Reads until EOF or timeout; for draining. */
    public static void skipToEnd(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (EOFException | SocketTimeoutException e) {
            // done
        }
    }
}
