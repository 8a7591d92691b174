package dev.stabilis.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** The published JSON Schemas of the topic records ({@code schemas/} at the repository root), for tests. */
public enum ContractSchemas {
    SAMPLE("sample"),
    EXPLANATION("explanation"),
    ALERT("alert"),
    DEAD_LETTER("dead-letter");

    private static final Path DIRECTORY = Path.of("..", "schemas");

    private final String name;
    private JsonSchema schema;

    ContractSchemas(String name) {
        this.name = name;
    }

    /** The schema's violations by one record; empty when it conforms. */
    public synchronized Set<ValidationMessage> violations(JsonNode record) {
        if (schema == null) {
            schema = load(DIRECTORY.resolve(name + ".schema.json"));
        }
        return schema.validate(record);
    }

    /** Asserts that every record conforms, naming the first that does not. */
    public void assertValid(List<JsonNode> records) {
        for (JsonNode record : records) {
            assertThat(violations(record)).as("%s record against schemas/%s.schema.json: %s", name, name, record).isEmpty();
        }
    }

    private static JsonSchema load(Path file) {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        try (InputStream in = Files.newInputStream(file)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
