package io.fenceline.proxy.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a session writes to the socket at once: one or more messages in one write. {@code awaited} steps wait for
 * every ReadyForQuery they cause before the next step is sent; a step that is not awaited is followed at once by
 * the next (so its Query or Sync is answered after the next step's messages are already on their way: pipelining
 * across ReadyForQuery).
 *
 * @param generator the name of the generator that made it (listed in docs/safety-fuzz.md)
 */
public record Step(String generator, List<Msg> messages, boolean awaited) {

    public Step {
        messages = List.copyOf(messages);
    }

    /** The framed bytes of every message, in order. */
    byte[] bytes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Msg m : messages) {
            b.writeBytes(m.frame());
        }
        return b.toByteArray();
    }

    int readyCount() {
        return messages.stream().mapToInt(Msg::readyCount).sum();
    }

    /** This step without message {@code i}, for shrinking. */
    Step without(int i) {
        List<Msg> m = new ArrayList<>(messages);
        m.remove(i);
        return new Step(generator, m, awaited);
    }

    /** The same messages, awaited. */
    Step awaitedStep() {
        return new Step(generator, messages, true);
    }

    /** One line per message, indented, for reports. */
    String describe() {
        StringBuilder s = new StringBuilder();
        s.append("[").append(generator).append(awaited ? "" : ", not awaited: the next step follows at once").append("]");
        for (Msg m : messages) {
            s.append("\n      ").append(m.readable());
        }
        return s.toString();
    }
}
