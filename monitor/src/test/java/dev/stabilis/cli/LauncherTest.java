package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./stabilis} launcher starts the JVM with libgomp's wait policy passive unless the caller chose one:
 * libgomp reads it when libtorch loads, so only the launcher can set it. The test runs the real script, copied next
 * to an empty jar, with a {@code java} on the PATH that prints the variable the JVM would have seen.
 */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "stabilis");

    @Test
    void theLauncherSetsAPassiveOpenMpWaitPolicy(@TempDir Path root) throws Exception {
        assertThat(run(root, null)).isEqualTo("OMP_WAIT_POLICY=PASSIVE");
    }

    @Test
    void theLauncherKeepsAWaitPolicyTheCallerSet(@TempDir Path root) throws Exception {
        assertThat(run(root, "ACTIVE")).isEqualTo("OMP_WAIT_POLICY=ACTIVE");
    }

    private static String run(Path root, String policy) throws IOException, InterruptedException {
        Path launcher = root.resolve("stabilis");
        Files.copy(LAUNCHER, launcher);
        launcher.toFile().setExecutable(true);
        Files.createDirectories(root.resolve("monitor/target"));
        Files.createFile(root.resolve("monitor/target/stabilis-monitor.jar"));
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/usr/bin/env bash\necho \"OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "--version").redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.remove("OMP_WAIT_POLICY");
        if (policy != null) {
            env.put("OMP_WAIT_POLICY", policy);
        }
        Process process = builder.start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("launcher finished").isTrue();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.exitValue()).as("launcher exit status, output: %s", out).isZero();
        return out;
    }
}
