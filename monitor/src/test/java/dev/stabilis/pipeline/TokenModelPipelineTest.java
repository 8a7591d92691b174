package dev.stabilis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.contract.ContractSchemas;
import dev.stabilis.kafka.SharedBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model that takes token ids, served end to end on a real broker: model-runner's {@code token_classifier} export (ids
 * {@code [N, 6]} → embedding lookup {@code /embed/Gather} of 16 × 8 → LayerNorm, GELU, mean over tokens → 3 logits)
 * installed as {@code text/1}, with its reference ids sent as Open Inference Protocol {@code INT64} tensors. Each is
 * explained once, per token (torch's embedding gradient summed over each token's row) and certified with a box in
 * embedding space; a floating-point tensor is dead-lettered by ingest, an id outside the vocabulary by the runner.
 */
class TokenModelPipelineTest {

    private static final Path EXPORT = Path.of("..", "model-runner", "src", "test", "resources", "exports", "token_classifier");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TOKENS = 6;
    private static final int DIMENSION = 8;

    @TempDir
    Path repository;

    @Test
    void tokenIdRequestsAreExplainedPerTokenAndCertifiedInEmbeddingSpaceAndIdsThatDoNotFitAreDeadLettered() throws Exception {
        Path dir = Files.createDirectories(repository.resolve("text/1"));
        Files.copy(EXPORT.resolve("model.onnx"), dir.resolve("model.onnx"));
        Files.writeString(dir.resolve("stabilis.yaml"), Files.readString(EXPORT.resolve("stabilis.yaml"))
                + "attribution:\n  methods: [saliency, ig]\n");
        JsonNode reference = JSON.readTree(EXPORT.resolve("reference.json").toFile()).get("samples");

        String prefix = "tokens-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = new HashMap<>(PipelineSettings.of(prefix));
        settings.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        settings.put("stabilis.models.repository", repository.toString());
        settings.put("stabilis.runner.torch.threads", "1");
        settings.put("stabilis.runner.include.attributions", "true");
        // no responses are logged here: a request becomes a sample at once instead of waiting for one
        settings.put("stabilis.ingest.join.enabled", "false");
        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        Topics.create(config.kafka(), Topics.all(config), 1, (short) 1);
        String requests = config.required("stabilis.topics.requests");

        List<PipelineTraffic.Request> good = new ArrayList<>();
        for (int s = 0; s < reference.size(); s++) {
            String id = "ids-" + s;
            String data = reference.get(s).get("ids").toString();
            good.add(new PipelineTraffic.Request(id, () -> List.of(request(requests, id, "INT64", data))));
        }
        PipelineTraffic traffic = new PipelineTraffic(good, good.stream().map(PipelineTraffic.Request::id).toList(), List.of(), Map.of(), List.of())
                .withIngestDeadLetter("fp32", "UNSUPPORTED_DATATYPE", () -> List.of(request(requests, "fp32", "FP32", "[7, 3, 12, 11, 14, 4]")))
                .withRunnerDeadLetter("unknown-id", "OUT_OF_DOMAIN", () -> List.of(request(requests, "unknown-id", "INT64", "[7, 3, 99, 11, 14, 4]")));

        PipelineLedger ledger = InProcessPipeline.run(config, traffic, Duration.ofSeconds(2), Duration.ofSeconds(180));

        ledger.assertExactlyOnce(traffic);
        Map<String, String> details = ledger.deadLetters().stream()
                .collect(Collectors.toMap(l -> l.path("requestId").asText(), l -> l.path("detail").asText()));
        assertThat(details).containsEntry("fp32", "model text version 1 takes token ids (INT64 input 'input_ids'), the input tensor is FP32")
                .containsEntry("unknown-id", "token 2 has id 99.0, not a whole number in [-16, 16) of model text version 1");
        ContractSchemas.EXPLANATION.assertValid(ledger.explanations());
        for (JsonNode record : ledger.explanations()) {
            JsonNode sample = reference.get(Integer.parseInt(record.path("requestId").asText().substring("ids-".length())));
            double[] gradient = doubles(sample.get("gradient"));
            double scale = java.util.Arrays.stream(gradient).map(Math::abs).max().orElseThrow();
            assertThat(record.path("predicted").asInt()).isEqualTo(sample.get("predicted").asInt());
            JsonNode saliency = record.path("attributions").path("saliency");
            assertThat(saliency).as("one saliency value per token").hasSize(TOKENS);
            for (int t = 0; t < TOKENS; t++) {
                double row = java.util.Arrays.stream(gradient, t * DIMENSION, (t + 1) * DIMENSION).sum();
                assertThat(saliency.get(t).asDouble()).as("%s token %d", record.path("requestId"), t).isCloseTo(row, within(1e-4 * scale));
            }
            assertThat(record.path("attributions").path("ig")).hasSize(TOKENS);
            assertThat(record.path("igCompletenessGap").asDouble()).isLessThan(0.01);
            JsonNode certificate = record.path("certificate");
            assertThat(certificate.path("method").asText()).isEqualTo("interval");
            assertThat(certificate.path("gradient")).as("the embedding gradient").hasSize(TOKENS * DIMENSION);
            for (int i = 0; i < gradient.length; i++) {
                assertThat(certificate.path("gradient").get(i).asDouble()).isCloseTo(gradient[i], within(1e-4 * scale));
                assertThat(certificate.path("gradientLower").get(i).asDouble()).isLessThanOrEqualTo(certificate.path("gradient").get(i).asDouble());
                assertThat(certificate.path("gradientUpper").get(i).asDouble()).isGreaterThanOrEqualTo(certificate.path("gradient").get(i).asDouble());
            }
            assertThat(record.path("inputShape").toString()).isEqualTo("[6,8]");
            assertThat(record.path("topFeatures").get(0).path("name").asText()).matches("token [0-5]\\[[0-7]\\]");
            assertThat(record.path("analyses").toString()).contains("certificate", "attack");
            assertThat(record.path("invariantViolation").isNull()).as("no attack beat the embedding-space certificate").isTrue();
        }
    }

    private static ProducerRecord<String, byte[]> request(String topic, String id, String datatype, String data) {
        String body = "{\"id\": \"" + id + "\", \"model_name\": \"text\", \"inputs\": [{\"name\": \"input_ids\", \"shape\": [1, "
                + TOKENS + "], \"datatype\": \"" + datatype + "\", \"data\": " + data + "}]}";
        return new ProducerRecord<>(topic, id, body.getBytes(StandardCharsets.UTF_8));
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
