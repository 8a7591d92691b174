package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.app.MonitorApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.kafka.SharedBroker;
import dev.stabilis.metrics.Registries;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two monitor instances of one deployment (the chart's {@code monitor.replicas: 2}) count every dead letter once:
 * the sum of {@code stabilis_dlq_total} over both instances' {@code /metrics} equals the dead letters written.
 */
class DeadLetterCountTest {

    private static final int DEAD_LETTERS = 12;

    @Test
    void twoMonitorInstancesCountEachDeadLetterOnce(@TempDir Path stateA, @TempDir Path stateB) throws Exception {
        String prefix = "dlq-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        StabilisConfig a = config(settings, stateA, "monitor-a");
        StabilisConfig b = config(settings, stateB, "monitor-b");
        Topics.create(a.kafka(), Topics.all(a), 2, (short) 1);
        PrometheusMeterRegistry metricsA = Registries.prometheus("monitor");
        PrometheusMeterRegistry metricsB = Registries.prometheus("monitor");
        try (MonitorApp first = new MonitorApp(a, metricsA); MonitorApp second = new MonitorApp(b, metricsB)) {
            first.start();
            second.start();
            String group = MonitorApp.deadLetterGroup(prefix + "stabilis");
            await("both instances ready and both in the dead-letter meter's group", () -> first.ready() && second.ready()
                    && stableMembers(a.kafka(), group) == 2);

            KServeRecords kserve = new KServeRecords("digits", "default");
            Properties props = new Properties();
            props.putAll(a.kafka());
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < DEAD_LETTERS; i++) {
                    producer.send(kserve.malformedRequest(prefix + "requests", "bad-" + i));
                }
            }
            await("every dead letter counted", () -> counted(metricsA, metricsB) >= DEAD_LETTERS);
            Thread.sleep(3_000);
            assertThat(counted(metricsA, metricsB)).as("stabilis_dlq_total summed over both instances").isEqualTo(DEAD_LETTERS);
            assertThat(PrometheusText.sum(metricsA.scrape() + metricsB.scrape(), "stabilis_dlq_total", "reason=\"MALFORMED_JSON\""))
                    .isEqualTo(DEAD_LETTERS);
        }
    }

    /** One instance's settings: its own state directory and, as each pod of the chart has, its own instance id. */
    private static StabilisConfig config(Map<String, String> settings, Path state, String instanceId) {
        Map<String, String> own = new HashMap<>(settings);
        own.put("stabilis.monitor.state.dir", state.toString());
        own.put("stabilis.monitor.instance.id", instanceId);
        return StabilisConfig.load(null, Map.of(), Map.of(), own);
    }

    private static double counted(PrometheusMeterRegistry a, PrometheusMeterRegistry b) {
        double sum = 0;
        for (PrometheusMeterRegistry registry : List.of(a, b)) {
            double one = PrometheusText.sum(registry.scrape(), "stabilis_dlq_total");
            sum += Double.isNaN(one) ? 0 : one;
        }
        return sum;
    }

    private static int stableMembers(Map<String, String> kafka, String group) {
        try (Admin admin = Admin.create(new HashMap<>(kafka))) {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            return description.groupState() == GroupState.STABLE ? description.members().size() : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for " + what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
