package dev.stabilis.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.engine.Devices;
import dev.stabilis.ingest.InferencePayload;
import dev.stabilis.ingest.PayloadException;
import dev.stabilis.ingest.PayloadParser;
import dev.stabilis.ingest.RejectReason;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code stabilis explain}: recomputes attributions for the samples of a payload and prints them as JSON. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Compute feature attributions for the samples in a payload (Open Inference Protocol V2, "
                + "KServe V1 instances, or {\"features\": [...]}).")
final class ExplainCommand implements Callable<Integer> {

    static final int MAX_PAYLOAD_BYTES = 64 << 20;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "<dir|file.onnx|file.pt>",
            description = "A model version directory (model.onnx or model.pt, optional stabilis.yaml) or a model file.")
    private Path model;

    @Option(names = "--input", required = true, paramLabel = "<file|->", description = "Payload file, or - for standard input.")
    private String input;

    @Option(names = "--method", defaultValue = "saliency",
            description = "saliency, gradxinput, ig or smoothgrad (default: ${DEFAULT-VALUE}).")
    private String method;

    @Option(names = "--target", paramLabel = "<class>", description = "Class to explain (default: the predicted class).")
    private Integer target;

    @Option(names = "--steps", paramLabel = "N", description = "Integrated Gradients steps (default: the policy's, else 32).")
    private Integer steps;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}).")
    private String device;

    @Override
    public Integer call() throws IOException {
        if (steps != null && steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        InferencePayload payload = new PayloadParser(MAX_PAYLOAD_BYTES).parse(readInput());
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        try (LoadedModel loaded = ModelLoader.load(dir.getFileName().toString(), "cli", model, Devices.resolve(device))) {
            payload.requireFeatures(loaded.inputSize());
            Attributor attributor = new Attributor(loaded.model(), loaded.explainer(method, steps), loaded.targetKind(),
                    Attributor.DEFAULT_MAX_ROWS_PER_PASS);
            int[] targets = target == null ? null : payload.rows().stream().mapToInt(r -> target).toArray();
            List<Explanation> explanations = attributor.explain(payload.rows().toArray(float[][]::new), targets);
            print(payload, loaded, attributor.method(), explanations);
        }
        return ExitCodes.OK;
    }

    private byte[] readInput() throws IOException {
        if (input.equals("-")) {
            try (InputStream in = System.in) {
                return readBounded(in);
            }
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

    private void print(InferencePayload payload, LoadedModel loaded, String methodName, List<Explanation> explanations)
            throws IOException {
        JsonMapper mapper = JsonMapper.builder().build();
        ObjectNode root = mapper.createObjectNode();
        if (payload.id() != null) {
            root.put("id", payload.id());
        }
        root.put("model", loaded.artifact().toString());
        root.put("device", loaded.model().device().toString());
        ArrayNode results = root.putArray("results");
        for (int i = 0; i < explanations.size(); i++) {
            Explanation e = explanations.get(i);
            ObjectNode r = results.addObject();
            r.put("index", i);
            r.put("predicted", e.predicted());
            r.put("target", e.target());
            putFloats(r.putArray("logits"), e.logits());
            r.put("method", methodName);
            putFloats(r.putArray("attribution"), e.attribution());
            if (!Double.isNaN(e.completenessGap())) {
                r.put("completenessGap", e.completenessGap());
                r.put("scoreDelta", e.scoreDelta());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        out.flush();
    }

    private static void putFloats(ArrayNode array, float[] values) {
        for (float v : values) {
            array.add(v);
        }
    }
}
