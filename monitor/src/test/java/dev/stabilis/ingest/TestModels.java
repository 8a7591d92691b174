package dev.stabilis.ingest;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test model repository under {@code src/test/resources/models}. */
final class TestModels {

    private TestModels() {}

    static Path root() {
        try {
            return Path.of(TestModels.class.getResource("/models").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path digitsOnnx() {
        return root().resolve("digits/1/model.onnx");
    }
}
