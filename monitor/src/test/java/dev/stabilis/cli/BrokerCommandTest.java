package dev.stabilis.cli;

import static dev.stabilis.cli.CliRun.stabilis;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code stabilis broker} checks its options before it starts anything (CrashRecoveryIT runs it as a process). */
class BrokerCommandTest {

    @Test
    void aBrokerSettingThatIsNotKeyEqualsValueIsAUsageErrorNamingTheOption() {
        CliRun run = stabilis("broker", "--port", "0", "--broker-config", "log.retention.hours");

        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("--broker-config").contains("log.retention.hours");
    }

    @Test
    void helpNamesTheDataDirectoryAndThePorts() {
        CliRun run = stabilis("broker", "--help");

        assertThat(run.code()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("--data-dir", "--port", "--controller-port", "--broker-config");
    }
}
