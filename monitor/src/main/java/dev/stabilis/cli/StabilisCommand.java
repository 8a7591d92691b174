package dev.stabilis.cli;

import dev.stabilis.ingest.PayloadException;
import dev.stabilis.model.PolicyException;
import dev.stabilis.onnx.OnnxImportException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code stabilis} launcher's entry point. */
@Command(name = "stabilis", mixinStandardHelpOptions = true, version = "stabilis 0.1.0",
        description = "Watches whether a deployed model's explanations can be trusted.",
        subcommands = {DemoCommand.class, MonitorCommand.class, RunnerCommand.class, ExplainCommand.class, CertifyCommand.class,
                AttackCommand.class, CompareCommand.class, HardenCommand.class, BrokerCommand.class, TopicsCommand.class,
                ReportCommand.class})
public final class StabilisCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** Builds the command line with the error handling every subcommand shares. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new StabilisCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("stabilis: " + singleLine(e.getMessage()));
            return exitCodeFor(e);
        });
        return cli;
    }

    static int exitCodeFor(Exception e) {
        if (e instanceof dev.stabilis.app.MissingTopicsException) {
            return ExitCodes.MISSING_TOPICS;
        }
        if (e instanceof PayloadException || e instanceof dev.stabilis.report.ReportInputs.InputException) {
            return ExitCodes.BAD_INPUT;
        }
        if (e instanceof PolicyException || e instanceof OnnxImportException) {
            return ExitCodes.BAD_MODEL;
        }
        if (e instanceof IllegalArgumentException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.INTERNAL;
    }

    private static String singleLine(String message) {
        return message == null ? "unexpected error" : message.replace('\n', ' ');
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
