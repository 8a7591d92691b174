package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.kafka.SharedBroker;
import dev.stabilis.model.ModelRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A burst of KServe-logged digits on a real broker, with requests outside the demo model's input domain ([0, 1] per
 * pixel) mixed in: raw grey levels 0..16, a client's realistic mistake, and a feature of 1e30. Such a sample makes the
 * attack's box empty, and once it took every sample of its micro-batch to the dead letters with it. Now ingest
 * dead-letters each one as {@code OUT_OF_DOMAIN}, and samples that reach the runner anyway (written to the samples
 * topic by something else) are dead-lettered by the runner, alone: no good sample is lost.
 */
class OutOfDomainBurstTest {

    private static final int GOOD = 240;

    @Test
    void outOfDomainRequestsAreDeadLetteredAloneAndEveryGoodRequestIsExplained() throws Exception {
        String prefix = "ood-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("stabilis.runner.torch.threads", "1");
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        Topics.create(config.kafka(), Topics.all(config), 2, (short) 1);
        DemoPools pools = DemoPools.judge(new ModelRepository(Path.of("..", "models")), "digits", "latest");
        String requests = config.required("stabilis.topics.requests");
        String responses = config.required("stabilis.topics.responses");
        String samples = config.required("stabilis.topics.samples");
        KServeRecords kserve = new KServeRecords("digits", "default");
        PipelineTraffic traffic = PipelineTraffic.of(pools, requests, responses, GOOD, 0, 0);
        for (int i = 0; i < 3; i++) {
            float[] grey = scaled(pools.stable().get(i), 16f);
            String raw = "raw-grey-" + i;
            traffic = traffic.withIngestDeadLetter(raw, "OUT_OF_DOMAIN",
                    () -> List.of(kserve.request(requests, raw, grey), kserve.response(responses, raw, 0)));
            float[] huge = pools.stable().get(i).clone();
            huge[0] = 1e30f;
            String far = "far-" + i;
            traffic = traffic.withIngestDeadLetter(far, "OUT_OF_DOMAIN", () -> List.of(kserve.request(requests, far, huge)));
            String direct = "direct-sample-" + i;
            traffic = traffic.withRunnerDeadLetter(direct, "OUT_OF_DOMAIN", () -> List.of(SampleRecords.digits(samples, direct, "1", grey)));
        }
        PipelineTraffic burst = traffic.shuffled(new Random(13));

        PipelineLedger ledger = InProcessPipeline.run(config, burst, Duration.ofSeconds(5), Duration.ofSeconds(180));
        ledger.assertExactlyOnce(burst);
        assertThat(ledger.deadLetters()).allSatisfy(letter -> assertThat(letter.path("detail").asText())
                .matches("feature \\d+ \\(px_\\d_\\d\\) = (1\\.0E30|\\d+\\.0) is outside the domain \\[0\\.0, 1\\.0\\] of model digits version 1"));
    }

    private static float[] scaled(float[] row, float factor) {
        float[] out = new float[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = Math.round(row[i] * factor);
        }
        out[0] = 16f;
        return out;
    }
}
