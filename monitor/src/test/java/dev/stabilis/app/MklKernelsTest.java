package dev.stabilis.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MklKernelsTest {

    private static final String AMD = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n";
    private static final String INTEL = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n";
    private static final String ARM = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n";
    private static final String WITH_SHIM = "7f00-7f01 r-xp 00000000 08:01 42 /opt/stabilis/model-runner/target/native/"
            + MklKernels.SHIM + "\n7f02-7f03 r-xp 00000000 08:01 43 /usr/lib/x86_64-linux-gnu/libc.so.6\n";
    private static final String WITHOUT_SHIM = "7f02-7f03 r-xp 00000000 08:01 43 /usr/lib/x86_64-linux-gnu/libc.so.6\n";

    @Test
    void onAmdWithoutTheShimItSaysMklRunsItsGenericKernelsAndHowToChangeThat() {
        assertThat(MklKernels.report(AMD, WITHOUT_SHIM)).hasValueSatisfying(line -> assertThat(line)
                .contains("AuthenticAMD", "generic kernels", "./stabilis", "MKL_INTEL_PATH_SHIM", "C compiler"));
    }

    @Test
    void onAmdWithTheShimItSaysSo() {
        assertThat(MklKernels.report(AMD, WITH_SHIM)).hasValueSatisfying(line -> assertThat(line)
                .contains("AuthenticAMD", MklKernels.SHIM + " is preloaded").doesNotContain("generic"));
    }

    @Test
    void onIntelAndOnCpusWithoutAnX86VendorThereIsNothingToSay() {
        assertThat(MklKernels.report(INTEL, WITHOUT_SHIM)).isEmpty();
        assertThat(MklKernels.report(INTEL, WITH_SHIM)).isEmpty();
        assertThat(MklKernels.report(ARM, WITHOUT_SHIM)).isEmpty();
    }
}
