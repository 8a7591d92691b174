package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One in-process run of the {@code stabilis} command line, with what it printed. */
public record CliRun(int code, String out, String err) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs {@code stabilis args...} in this JVM. */
    public static CliRun stabilis(String... args) {
        CommandLine cli = StabilisCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    JsonNode json() {
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new AssertionError("stdout is not JSON:\n" + out, e);
        }
    }

    /** The single stderr line, asserting there is exactly one. */
    String errorLine() {
        assertThat(err.lines()).as("stderr").hasSize(1);
        return err.strip();
    }
}
