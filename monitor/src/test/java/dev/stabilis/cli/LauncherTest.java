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
 * The {@code ./stabilis} launcher sets what libtorch reads when it loads, so only the launcher can set it: libgomp's
 * wait policy (passive unless the caller chose one) and the preloaded shim that lets MKL take its AVX2 kernels on
 * AMD CPUs (where the build made it, unless {@code MKL_INTEL_PATH_SHIM=off}). The test runs the real script,
 * copied next to an empty jar, with a {@code java} on the PATH that prints the variables the JVM would have seen.
 */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "stabilis");
    private static final String SHIM = "model-runner/target/native/libstabilis-mkl-intel-path.so";

    @Test
    void theLauncherSetsAPassiveOpenMpWaitPolicy(@TempDir Path root) throws Exception {
        assertThat(output(root, Map.of(), false)).contains("OMP_WAIT_POLICY=PASSIVE");
    }

    @Test
    void theLauncherKeepsAWaitPolicyTheCallerSet(@TempDir Path root) throws Exception {
        assertThat(output(root, Map.of("OMP_WAIT_POLICY", "ACTIVE"), false)).contains("OMP_WAIT_POLICY=ACTIVE");
    }

    @Test
    void theLauncherPreloadsTheMklShimTheBuildMade(@TempDir Path root) throws Exception {
        assertThat(output(root, Map.of(), true)).contains("LD_PRELOAD=" + root.resolve(SHIM));
    }

    @Test
    void theLauncherKeepsWhatTheCallerPreloadsAfterTheShim(@TempDir Path root) throws Exception {
        assertThat(output(root, Map.of("LD_PRELOAD", "/opt/other.so"), true))
                .contains("LD_PRELOAD=" + root.resolve(SHIM) + ":/opt/other.so");
    }

    @Test
    void withoutTheShimNothingIsPreloaded(@TempDir Path root) throws Exception {
        assertThat(output(root, Map.of(), false)).contains("LD_PRELOAD=unset");
    }

    @Test
    void theShimCanBeLeftOut(@TempDir Path root) throws Exception {
        assertThat(output(root, Map.of("MKL_INTEL_PATH_SHIM", "off"), true)).contains("LD_PRELOAD=unset");
    }

    @Test
    void anUnknownShimSettingStopsTheLauncherNamingTheVariable(@TempDir Path root) throws Exception {
        Result result = run(root, Map.of("MKL_INTEL_PATH_SHIM", "yes"), true);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("MKL_INTEL_PATH_SHIM must be on or off, got 'yes'").doesNotContain("LD_PRELOAD=");
    }

    private record Result(int exitCode, String output) {}

    /** What the JVM would have seen, from a launcher that must succeed. */
    private static String output(Path root, Map<String, String> environment, boolean shimBuilt)
            throws IOException, InterruptedException {
        Result result = run(root, environment, shimBuilt);
        assertThat(result.exitCode()).as("launcher exit status, output: %s", result.output()).isZero();
        return result.output();
    }

    private static Result run(Path root, Map<String, String> environment, boolean shimBuilt)
            throws IOException, InterruptedException {
        Path launcher = root.resolve("stabilis");
        Files.copy(LAUNCHER, launcher);
        launcher.toFile().setExecutable(true);
        Files.createDirectories(root.resolve("monitor/target"));
        Files.createFile(root.resolve("monitor/target/stabilis-monitor.jar"));
        if (shimBuilt) {
            Files.createDirectories(root.resolve(SHIM).getParent());
            Files.createFile(root.resolve(SHIM));
        }
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/usr/bin/env bash\necho \"OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}\"\n"
                + "echo \"LD_PRELOAD=${LD_PRELOAD:-unset}\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "--version").redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("PATH", bin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.remove("OMP_WAIT_POLICY");
        env.remove("LD_PRELOAD");
        env.remove("MKL_INTEL_PATH_SHIM");
        env.putAll(environment);
        Process process = builder.start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("launcher finished").isTrue();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return new Result(process.exitValue(), out);
    }
}
