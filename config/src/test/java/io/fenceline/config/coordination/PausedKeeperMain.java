package io.fenceline.config.coordination;

import io.fenceline.config.records.WriterRecord;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Child process of {@code LeaseKeeperIT.pausedProcessAllowsNoWriteAfterResuming}: wins a writer key, then
 * checks {@link Campaign#writable} every millisecond as a proxy would before forwarding a write, and reports
 * on stdout (lines starting with {@code CHILD}) every gap of more than a second between two checks (the
 * parent stops this process with SIGSTOP) and every change of the answer. Exits once it holds a new lease
 * after having lost the first one.
 */
final class PausedKeeperMain {

    private PausedKeeperMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        EtcdSettings settings = EtcdSettings.defaults(List.of(args[0].split(",")))
                .withLease(Duration.ofSeconds(5), Duration.ofMillis(500));
        try (Coordinator c = Coordinator.connect(settings)) {
            Campaign campaign = c.campaign(args[1], new WriterRecord("child", "child-proxy", Instant.now()));
            LeaseState.Held first = c.leaseKeeper().awaitHeld(Duration.ofSeconds(20)).orElseThrow();
            Campaign.Result.Won won = (Campaign.Result.Won) campaign.campaign().get(10, TimeUnit.SECONDS);
            out.println("CHILD WON " + won.epoch() + " " + won.leaseId());
            out.flush();
            long last = System.nanoTime();
            boolean lastWritable = true;
            long end = last + TimeUnit.SECONDS.toNanos(60);
            while (last < end) {
                long now = System.nanoTime();
                boolean writable = campaign.writable(now);
                if (now - last > TimeUnit.SECONDS.toNanos(1)) {
                    out.println("CHILD GAP " + (now - last) / 1_000_000 + " " + writable);
                }
                if (writable != lastWritable) {
                    out.println("CHILD WRITABLE " + writable);
                }
                out.flush();
                lastWritable = writable;
                last = now;
                if (c.leaseKeeper().state() instanceof LeaseState.Held held && held.leaseId() != first.leaseId()) {
                    out.println("CHILD NEWLEASE " + held.leaseId() + " writable " + campaign.writable(System.nanoTime()));
                    out.flush();
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            out.println("CHILD TIMEOUT");
        }
    }
}
