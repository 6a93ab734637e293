package io.fenceline.control.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * The root {@code fenceline} command and the glue that runs it: usage errors exit with
 * {@link ExitCodes#BAD_INPUT}, an unexpected exception is reported on stderr and exits with
 * {@link ExitCodes#FINDINGS}.
 */
@Command(name = "fenceline", mixinStandardHelpOptions = true, version = "fenceline 0.1.0",
        description = "Orders schema migrations across PostgreSQL clusters.",
        subcommands = {PlanCommand.class, LintCommand.class, PreflightCommand.class, ApplyCommand.class,
                StatusCommand.class, ResumeCommand.class, RollbackCommand.class, AuditCommand.class,
                ModeCommand.class, HandoffCommand.class, WriterCommand.class,
                VerifyCommand.class, ReconcileCommand.class, WatchCommand.class,
                CommandLine.HelpCommand.class})
public final class Cli implements Runnable {

    @Spec
    CommandSpec spec;

    /** Parses {@code args}, runs the verb, and returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Cli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println("fenceline " + cmd.getCommandName() + ": unexpected failure: " + e);
            return ExitCodes.FINDINGS;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing verb: plan, lint, preflight, apply, status, resume, rollback, audit, mode, handoff, writer, verify, reconcile or watch");
    }
}
