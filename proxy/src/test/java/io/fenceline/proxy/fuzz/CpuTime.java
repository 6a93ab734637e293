package io.fenceline.proxy.fuzz;

import io.fenceline.testing.PostgresServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU seconds used so far by this JVM (harness and in-process proxies) and by the PostgreSQL servers (each
 * postmaster with its exited backends, from {@code /proc/<pid>/stat}), so a rate can be given per CPU-second
 * rather than per wall-clock second on a shared machine. 0 where {@code /proc} is missing.
 */
final class CpuTime {

    private CpuTime() {
    }

    static double seconds(List<PostgresServer> servers) {
        double total = ofPid(ProcessHandle.current().pid(), false);
        for (PostgresServer pg : servers) {
            total += pg.postmaster().map(p -> ofPid(p.pid(), true)).orElse(0.0);
            // Backends still running are not yet in the postmaster's children's time.
            total += pg.postmaster().map(p -> p.children().mapToDouble(c -> ofPid(c.pid(), false)).sum()).orElse(0.0);
        }
        return total;
    }

    private static double ofPid(long pid, boolean withChildren) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // Fields after the command: state is f[0]; utime f[11], stime f[12], cutime f[13], cstime f[14].
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (withChildren) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return ticks / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
