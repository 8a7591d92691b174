package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.model.ModelRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Crash recovery with every part in its own operating-system process ({@link PipelineProcesses}): while a producer
 * sends a fixed set of requests at a steady rate (stable, injected unstable and malformed ones), the test kills the
 * runner three times and the monitor twice with SIGKILL, each time while one of its transactions is open (seeded
 * random points), and restarts it; and it stops the broker once with SIGTERM and once with SIGKILL and restarts it
 * on the same log directory and ports. Monitor and runner are never restarted for a broker fault: they must resume
 * by themselves. Then, with read_committed consumers, every request must have exactly one sample and one
 * explanation or exactly one dead letter, and every injected unstable sample exactly one alert.
 * {@code -Dstabilis.crash.seed=N} replays another schedule; logs stay in {@code target/crash-recovery/logs}.
 */
class CrashRecoveryIT {

    private static final int STABLE = 420;
    private static final int UNSTABLE = 12;
    private static final int MALFORMED = 15;
    private static final double REQUESTS_PER_SECOND = 5;

    private enum Fault { KILL_RUNNER, KILL_MONITOR, STOP_BROKER, KILL_BROKER }

    private final List<String> faultLog = Collections.synchronizedList(new ArrayList<>());

    @Test
    @Timeout(value = 7, unit = TimeUnit.MINUTES)
    void killedAndRestartedProcessesLoseAndDuplicateNothing() throws Exception {
        long seed = Long.getLong("stabilis.crash.seed", 20261124L);
        Random random = new Random(seed);
        Path work = Path.of("target", "crash-recovery");
        // Kafka's default client settings: monitor and runner are static members, so a restart does not wait out a session
        Map<String, String> settings = new HashMap<>(PipelineSettings.of("crash-"));
        settings.put("stabilis.runner.torch.threads", "1");
        try (PipelineProcesses pipeline = new PipelineProcesses(work, settings, List.of("-Xmx384m"))) {
            StabilisConfig config = pipeline.config();
            PipelineTraffic traffic = PipelineTraffic.of(DemoPools.judge(new ModelRepository(Path.of("..", "models")), "digits", "latest"),
                    config.required("stabilis.topics.requests"), config.required("stabilis.topics.responses"), STABLE, UNSTABLE, MALFORMED);
            try {
                pipeline.start(2);
                SteadySender sender = new SteadySender();
                CompletableFuture<Integer> sent = CompletableFuture.supplyAsync(() -> sender.send(config.kafka(), traffic, REQUESTS_PER_SECOND));
                List<Fault> faults = new ArrayList<>(List.of(Fault.KILL_RUNNER, Fault.KILL_RUNNER, Fault.KILL_RUNNER, Fault.KILL_MONITOR,
                        Fault.KILL_MONITOR, Fault.STOP_BROKER, Fault.KILL_BROKER));
                Collections.shuffle(faults, random);
                for (Fault fault : faults) {
                    Thread.sleep(1000 + random.nextInt(3000));
                    long started = System.nanoTime();
                    String what = inject(fault, random, pipeline);
                    pipeline.awaitReady(pipeline.monitor(), pipeline.runner());
                    faultLog.add(String.format("%s; ready again %.1f s after the fault", what, (System.nanoTime() - started) / 1e9));
                }
                int records = sent.get(4, TimeUnit.MINUTES);

                PipelineLedger ledger = PipelineLedger.read(config.kafka(), PipelineLedger.Topics.of(config), traffic, Duration.ofSeconds(5),
                        Duration.ofSeconds(120));
                System.out.printf("crash recovery (seed %d): %d requests (%d valid, %d unstable among them, %d malformed; %d records) sent "
                        + "at %.0f/s; faults:%n  %s%n  read back (read_committed): %s%n", seed, traffic.requests().size(),
                        traffic.valid().size(), traffic.unstable().size(), traffic.malformed().size(), records, REQUESTS_PER_SECOND,
                        String.join("\n  ", faultLog), ledger.summary());
                assertThat(pipeline.all()).as("no process died by itself").allMatch(StabilisProcess::alive);
                ledger.assertExactlyOnce(traffic);
                ledger.assertServedClassesKept();
            } catch (Throwable failure) {
                System.out.println("crash recovery failed after faults:\n  " + String.join("\n  ", faultLog) + "\n" + pipeline.logTails(150));
                throw failure;
            }
        }
    }

    /**
     * One fault; says what it did. Monitor and runner are killed as soon as the broker shows one of their transactions
     * open (after a seeded random delay), and the broker is asked afterwards whether the dead process left it open.
     */
    private static String inject(Fault fault, Random random, PipelineProcesses pipeline) throws Exception {
        switch (fault) {
            case KILL_RUNNER, KILL_MONITOR -> {
                boolean runner = fault == Fault.KILL_RUNNER;
                StabilisProcess process = runner ? pipeline.runner() : pipeline.monitor();
                Thread.sleep(random.nextInt(1000));
                int open = pipeline.killInsideTransaction(process);
                Thread.sleep(random.nextInt(2000));
                process.start();
                return String.format("kill -9 %s with %d of its transactions left open", process.name(), open);
            }
            default -> {
                if (fault == Fault.STOP_BROKER) {
                    pipeline.broker().stop();
                } else {
                    pipeline.broker().kill();
                }
                long down = 1000 + random.nextInt(3000);
                Thread.sleep(down);
                pipeline.broker().start();
                pipeline.awaitBroker();
                return String.format("%s broker, restarted %d ms later on the same log directory and ports",
                        fault == Fault.STOP_BROKER ? "SIGTERM" : "kill -9", down);
            }
        }
    }
}
