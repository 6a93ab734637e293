package io.fenceline.control;

import io.fenceline.control.cli.Cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@code fenceline} for control's verbs ({@code plan}, {@code lint}, ...): a plain main class so the
 * launcher can start it with {@code java -cp ... io.fenceline.control.Main} or {@code java -jar}.
 * Exits with the code the verb returns (see {@link io.fenceline.control.cli.ExitCodes}).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = Cli.run(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
