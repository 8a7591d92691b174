package dev.stabilis.cli;

import dev.stabilis.engine.Devices;
import dev.stabilis.ingest.InferencePayload;
import dev.stabilis.ingest.PayloadException;
import dev.stabilis.ingest.PayloadParser;
import dev.stabilis.ingest.RejectReason;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every per-sample command shares: which model, which payload, which device. */
final class ModelInputOptions {

    static final int MAX_PAYLOAD_BYTES = 64 << 20;

    @Option(names = "--model", required = true, paramLabel = "<dir|file.onnx|file.pt>",
            description = "A model version directory (model.onnx or model.pt, optional stabilis.yaml) or a model file.")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "<file|->", description = "Payload file, or - for standard input.")
    String input;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    String device;

    /** Reads and parses the payload (bounded in size). */
    InferencePayload payload() throws IOException {
        return new PayloadParser(MAX_PAYLOAD_BYTES).parse(readInput());
    }

    /** Loads the model on the chosen device. */
    LoadedModel loadModel() {
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        return ModelLoader.load(dir.getFileName().toString(), "cli", model, Devices.resolve(device));
    }

    private byte[] readInput() throws IOException {
        if (input.equals("-")) {
            return readBounded(System.in);
        }
        Path file = Path.of(input);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--input " + input + ": no such file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return readBounded(in);
        }
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_PAYLOAD_BYTES + 1);
        if (bytes.length > MAX_PAYLOAD_BYTES) {
            throw new PayloadException(RejectReason.TOO_LARGE, "payload is larger than " + MAX_PAYLOAD_BYTES + " bytes");
        }
        return bytes;
    }
}
