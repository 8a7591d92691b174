package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.model.ModelRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests for a model that takes token ids (model-runner's {@code token_classifier} export: an INT64 input
 * {@code input_ids} of 6 ids per sample feeding an embedding lookup), installed as {@code text/1} with a domain in
 * embedding space ([−1, 1]). Ingest takes the ids as an integer tensor or lists of whole numbers and leaves the domain
 * to the runner, which checks it on the embedding; a floating-point tensor or a fraction is no id and is dead-lettered.
 */
class TokenIdRequestsTest {

    private static final Path EXPORT = Path.of("..", "model-runner", "src", "test", "resources", "exports", "token_classifier");
    private static final IngestConfig NOT_JOINING = IngestConfig.from(Map.of(IngestConfig.JOIN_ENABLED, "false"));
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    static Path repository;

    private static ModelCatalog catalog;

    @BeforeAll
    static void installTheTokenModelWithAnEmbeddingDomain() throws IOException {
        Path dir = Files.createDirectories(repository.resolve("text/1"));
        Files.copy(EXPORT.resolve("model.onnx"), dir.resolve("model.onnx"));
        Files.writeString(dir.resolve("stabilis.yaml"), Files.readString(EXPORT.resolve("stabilis.yaml"))
                + "domain:\n  min: -1.0\n  max: 1.0\n");
        catalog = new RepositoryModelCatalog(new ModelRepository(repository));
    }

    @Test
    void theCatalogReadsTheIdsInputsIntegerDatatype() {
        ModelInput input = catalog.resolve("text", "1");

        assertThat(input.datatype()).isEqualTo("INT64");
        assertThat(input.inputName()).isEqualTo("input_ids");
        assertThat(input.shape()).containsExactly(6L);
        assertThat(input.takesTokenIds()).isTrue();
    }

    @Test
    void integerTensorsAndListsOfWholeNumbersBecomeSamplesWhateverTheEmbeddingDomain() {
        try (IngestDriver ingest = new IngestDriver(NOT_JOINING, catalog)) {
            ingest.request(KafkaRecordFixture.plain("{\"id\": \"v2\", \"model_name\": \"text\", \"inputs\": [{\"name\": \"input_ids\", "
                    + "\"shape\": [2, 6], \"datatype\": \"INT64\", \"data\": [7, 3, 12, 11, 14, 4, 0, 1, 2, 3, 4, 5]}]}").at(T0));
            ingest.request(KafkaRecordFixture.plain("{\"id\": \"v1\", \"instances\": [[15, 15, 0, 1, 2, 3]]}")
                    .withHeader("model", "text").at(T0));

            List<JsonNode> samples = ingest.sampleValues();
            assertThat(samples).extracting(s -> s.get("requestId").asText() + "#" + s.get("index").asInt())
                    .containsExactly("v2#0", "v2#1", "v1#0");
            assertThat(samples.get(0).get("features").toString()).isEqualTo("[7.0,3.0,12.0,11.0,14.0,4.0]");
            assertThat(samples.get(2).get("features").toString()).isEqualTo("[15.0,15.0,0.0,1.0,2.0,3.0]");
            assertThat(ingest.deadLetterValues()).isEmpty();
        }
    }

    @Test
    void aFloatingPointTensorOrAFractionIsDeadLetteredAsAnUnsupportedDatatype() {
        try (IngestDriver ingest = new IngestDriver(NOT_JOINING, catalog)) {
            ingest.request(KafkaRecordFixture.plain("{\"id\": \"fp32\", \"model_name\": \"text\", \"inputs\": [{\"name\": \"input_ids\", "
                    + "\"shape\": [1, 6], \"datatype\": \"FP32\", \"data\": [7, 3, 12, 11, 14, 4]}]}").at(T0));
            ingest.request(KafkaRecordFixture.plain("{\"id\": \"half\", \"instances\": [[7, 3, 12.5, 11, 14, 4]]}")
                    .withHeader("model", "text").at(T0));
            ingest.request(KafkaRecordFixture.plain("{\"id\": \"short\", \"model_name\": \"text\", \"inputs\": [{\"name\": \"input_ids\", "
                    + "\"shape\": [1, 4], \"datatype\": \"INT64\", \"data\": [7, 3, 12, 11]}]}").at(T0));

            assertThat(ingest.sampleValues()).isEmpty();
            assertThat(ingest.deadLetterValues()).extracting(l -> l.get("requestId").asText() + " " + l.get("reason").asText() + ": "
                    + l.get("detail").asText()).containsExactly(
                    "fp32 UNSUPPORTED_DATATYPE: model text version 1 takes token ids (INT64 input 'input_ids'), the input tensor is FP32",
                    "half UNSUPPORTED_DATATYPE: sample 0 token 2 = 12.5 is no token id (a whole number) of model text version 1",
                    "short SHAPE_MISMATCH: sample 0 has 4 features, the model expects 6");
        }
    }
}
