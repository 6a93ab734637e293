package io.fenceline.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for servers that another process (PostgreSQL, etcd, a proxy child) will bind later.
 *
 * <p>A port taken with {@code bind(0)} and released comes from the kernel's ephemeral range, the same range the
 * kernel draws from for every outgoing connection, so under load a client socket can take it before the
 * server binds it ("Address already in use", seen in CI). These ports are chosen below that range
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}), checked free with a bind, and never handed out twice by
 * one JVM.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    private static final Set<Integer> GIVEN = new HashSet<>();

    private FreePorts() {
    }

    /** {@code count} distinct ports free now, below the ephemeral range. */
    public static synchronized int[] take(int count) {
        int below = ephemeralLow();
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            ports[i] = takeOne(below);
        }
        return ports;
    }

    /** One port, as {@link #take(int)}. */
    public static int take() {
        return take(1)[0];
    }

    private static int takeOne(int below) {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (!GIVEN.contains(port) && bindable(port)) {
                GIVEN.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + LOWEST + " and " + below + " in 1,000 tries");
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
    static int ephemeralLow() {
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            int low = Integer.parseInt(range[0]);
            return low > LOWEST + 1_000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
