package io.fenceline.proxy.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fenceline.proxy.sql.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class StatementPolicyTest {

    private static final SessionFacts IDLE = new SessionFacts() {
        @Override
        public byte transactionStatus() {
            return 'I';
        }

        @Override
        public String startupParameter(String name) {
            return null;
        }

        @Override
        public OptionalInt schemaVersion() {
            return OptionalInt.empty();
        }
    };

    @Test
    void allReturnsTheFirstDecisionThatIsNotAllowAndAsksNoFurther() {
        List<String> asked = new ArrayList<>();
        Decision.Deny deny = new Decision.Deny("42P01", "no such table in version 4", null);
        StatementPolicy chain = StatementPolicy.all(
                (p, v, s) -> { asked.add("first"); return Decision.ALLOW; },
                (p, v, s) -> { asked.add("second"); return deny; },
                (p, v, s) -> { asked.add("third"); return new Decision.Hold(1); });
        assertSame(deny, chain.decide(StatementPolicy.Point.QUERY, Verdict.unknown("t"), IDLE));
        assertEquals(List.of("first", "second"), asked);
    }

    @Test
    void allAllowsWhenEveryPolicyAllows() {
        StatementPolicy chain = StatementPolicy.all(StatementPolicy.ALLOW_ALL, StatementPolicy.ALLOW_ALL);
        assertSame(Decision.ALLOW, chain.decide(StatementPolicy.Point.EXECUTE, Verdict.unknown("t"), IDLE));
    }
}
