package dev.stabilis.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says at start which of MKL's code paths libtorch will take. MKL runs its generic kernels on CPUs not made by Intel
 * unless the shim {@code ./stabilis} preloads answers its vendor check (README, "Requirements"); a runner started
 * some other way, or built without a C compiler, would run up to 1.8× slower matrix products on AMD without a word.
 */
public final class MklKernels {

    private static final Logger LOG = LoggerFactory.getLogger(MklKernels.class);
    /** The shim's file name, as model-runner's build makes it. */
    static final String SHIM = "libstabilis-mkl-intel-path.so";
    private static final Pattern VENDOR = Pattern.compile("(?m)^vendor_id\\s*:\\s*(\\S+)");

    private MklKernels() {}

    /** Logs the finding for this process (nothing where /proc is not readable). */
    public static void report() {
        try {
            report(Files.readString(Path.of("/proc/cpuinfo")), Files.readString(Path.of("/proc/self/maps")))
                    .ifPresent(LOG::info);
        } catch (IOException e) {
            LOG.debug("cannot read /proc to tell MKL's code path: {}", e.toString());
        }
    }

    /**
     * The start-up line for a CPU's {@code /proc/cpuinfo} and the process's {@code /proc/self/maps}: empty on Intel
     * CPUs and CPUs without an x86 vendor (no MKL code path to choose).
     */
    static Optional<String> report(String cpuinfo, String maps) {
        Matcher vendor = VENDOR.matcher(cpuinfo);
        if (!vendor.find() || vendor.group(1).equals("GenuineIntel")) {
            return Optional.empty();
        }
        if (maps.contains("/" + SHIM)) {
            return Optional.of("CPU vendor " + vendor.group(1) + ": " + SHIM + " is preloaded, so libtorch's MKL picks its"
                    + " kernels by the CPU's features");
        }
        return Optional.of("CPU vendor " + vendor.group(1) + ": libtorch's MKL runs its generic kernels here (the MKL shim"
                + " is not preloaded: started without ./stabilis, with MKL_INTEL_PATH_SHIM=off, or built without a C"
                + " compiler; README, Requirements); matrix products may run up to 1.8x slower");
    }
}
