package io.fenceline.control.cli;

import io.fenceline.config.keys.EtcdKey;
import io.fenceline.config.records.AuditRecord;
import io.fenceline.config.records.Mode;
import io.fenceline.config.records.ProxyStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The operator verbs' pure parts: LSN text, why a handoff request vanished, what keeps a mode unconfirmed. */
class OperatorVerbsTest {

    @Test
    void lsnsPrintAsPostgresPrintsThem() {
        assertEquals("0/3000060", HandoffCommand.lsn(0x3000060L));
        assertEquals("1A/B", HandoffCommand.lsn((0x1AL << 32) | 0xB));
        assertEquals("0/0", HandoffCommand.lsn(0));
    }

    private static AuditRecord audit(long seq, String action, Map<String, String> details) {
        return new AuditRecord(seq, Instant.EPOCH, "proxy c1/p1", action, "main", "c1", details);
    }

    @Test
    void aVanishedRequestIsExplainedByTheProxiesAuditOfThatRequestOnly() {
        List<AuditRecord> audit = List.of(
                audit(1, "handoff.rejected", Map.of("request", "h-other", "why", "not ours")),
                audit(2, "handoff.expired", Map.of("request", "h-1", "target", "c2")));
        assertEquals("expired by proxy c1/p1", HandoffCommand.withdrawn(audit, "h-1"));
        assertEquals("rejected by proxy c1/p1: not ours", HandoffCommand.withdrawn(audit, "h-other"));
        assertEquals("the request was deleted without an outcome (no proxy audited why)",
                HandoffCommand.withdrawn(audit, "h-2"));
    }

    @Test
    void aModeIsUnconfirmedByAProxyReportingAnotherModeOrAClusterWithoutProxies() {
        Map<EtcdKey.Proxy, ProxyStatus> statuses = new LinkedHashMap<>();
        statuses.put(new EtcdKey.Proxy("main", "c1", "a"), status(Mode.READ_ONLY));
        statuses.put(new EtcdKey.Proxy("main", "c1", "b"), status(Mode.WRITABLE));
        statuses.put(new EtcdKey.Proxy("main", "c2", "a"), status(Mode.READ_ONLY));
        assertEquals(List.of("proxy c1/b still reports writable", "c3 has no proxy reporting"),
                ModeCommand.unconfirmed(statuses, List.of("c1", "c2", "c3"), Mode.READ_ONLY));
        assertEquals(List.of(), ModeCommand.unconfirmed(statuses, List.of("c2"), Mode.READ_ONLY));
    }

    private static ProxyStatus status(Mode mode) {
        return new ProxyStatus(1, mode, false, 0, 0, Map.of(), 0, 0, 0, null, Instant.EPOCH);
    }
}
