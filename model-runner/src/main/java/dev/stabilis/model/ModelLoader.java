package dev.stabilis.model;

import ai.djl.Device;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TorchScriptModel;
import dev.stabilis.graph.EmbeddingLookup;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Loads one model version from a directory ({@code model.onnx} or {@code model.pt}, optional
 * {@code stabilis.yaml}) or a model file (with the {@code stabilis.yaml} beside it, if any), and checks the
 * policy against the model. An ONNX model that takes token ids is loaded from its embedding lookup's output (the
 * policy's {@code input.embedding}), with the lookup beside it.
 */
public final class ModelLoader {

    /** File name of the policy in a version directory. */
    public static final String POLICY_FILE = "stabilis.yaml";

    private ModelLoader() {}

    /**
     * Loads a model version.
     *
     * @param name model name
     * @param version version label
     * @param path a version directory or a model file
     * @throws PolicyException for a missing model file or a policy that does not fit the model
     * @throws dev.stabilis.onnx.OnnxImportException for an ONNX model outside the supported operators
     */
    public static LoadedModel load(String name, String version, Path path, Device device) {
        Path artifact = artifactIn(path);
        Path policyFile = artifact.resolveSibling(POLICY_FILE);
        ModelPolicy policy = Files.isRegularFile(policyFile) ? PolicyReader.read(policyFile) : ModelPolicy.DEFAULT;
        String file = artifact.getFileName().toString();
        DifferentiableModel model;
        Optional<Graph> graph = Optional.empty();
        Optional<EmbeddingLookup> embedding = Optional.empty();
        if (file.endsWith(".onnx")) {
            OnnxImporter.Imported imported = OnnxImporter.load(artifact, policy.inputEmbedding());
            Graph g = OutputSelection.select(imported.graph(), policy.output(), policyFile, artifact);
            graph = Optional.of(g);
            embedding = imported.embedding();
            model = GraphModel.load(g, device, ai.djl.ndarray.types.DataType.FLOAT32);
        } else {
            if (policy.inputEmbedding() != null) {
                throw new PolicyException(policyFile + ": input.embedding names an ONNX embedding lookup; TorchScript model "
                        + artifact + " takes its input as given");
            }
            if (policy.inputShape() == null) {
                throw new PolicyException(policyFile + ": input.shape is required for TorchScript model " + artifact);
            }
            model = TorchScriptModel.load(artifact, policy.inputShape(), device);
        }
        try {
            check(policy, model, embedding, policyFile);
        } catch (PolicyException e) {
            model.close();
            throw e;
        }
        return new LoadedModel(name, version, artifact, policy, model, graph, embedding);
    }

    private static Path artifactIn(Path path) {
        if (Files.isRegularFile(path)) {
            String file = path.getFileName().toString();
            if (!file.endsWith(".onnx") && !file.endsWith(".pt")) {
                throw new PolicyException(path + ": model file must end in .onnx or .pt");
            }
            return path;
        }
        if (!Files.isDirectory(path)) {
            throw new PolicyException(path + ": no such model file or directory");
        }
        Path onnx = path.resolve("model.onnx");
        Path pt = path.resolve("model.pt");
        if (Files.isRegularFile(onnx) && Files.isRegularFile(pt)) {
            throw new PolicyException(path + ": holds both model.onnx and model.pt; keep one");
        }
        if (Files.isRegularFile(onnx)) {
            return onnx;
        }
        if (Files.isRegularFile(pt)) {
            return pt;
        }
        throw new PolicyException(path + ": no model.onnx or model.pt in the directory");
    }

    /**
     * Checks the policy's lengths: {@code input.shape} and {@code features.names} describe the payload's values (a token
     * model's ids), the domain, the IG baseline and the top-k sizes the differentiable model's input (a token model's
     * embedding).
     */
    private static void check(ModelPolicy policy, DifferentiableModel model, Optional<EmbeddingLookup> embedding, Path policyFile) {
        long features = Shapes.size(model.inputShape());
        long[] payloadShape = embedding.map(EmbeddingLookup::idShape).orElse(model.inputShape());
        if (policy.inputShape() != null && !Arrays.equals(policy.inputShape(), payloadShape)) {
            throw new PolicyException(policyFile + ": input.shape " + Arrays.toString(policy.inputShape())
                    + " does not match the model's input " + Arrays.toString(payloadShape));
        }
        checkLength(policyFile, "features.names", policy.featureNames().size(), Shapes.size(payloadShape), false);
        checkLength(policyFile, "classes", policy.classNames().size(), model.classes(), false);
        checkLength(policyFile, "domain.min", policy.domainMin().length, features, true);
        checkLength(policyFile, "domain.max", policy.domainMax().length, features, true);
        double[] baseline = policy.attribution().igBaseline();
        checkLength(policyFile, "attribution.integratedGradients.baseline", baseline == null ? 0 : baseline.length, features, false);
        checkTopK(policyFile, "certification.k", policy.certification().k(), features);
        checkTopK(policyFile, "attack.k", policy.attack().k(), features);
    }

    /** A top-k size (0: the attack takes the certificate's) cannot exceed the features the gradient explanation has. */
    private static void checkTopK(Path file, String key, int k, long features) {
        if (k > features) {
            throw new PolicyException(file + ": " + key + " is " + k + ", the model's explanation has " + features + " features");
        }
    }

    private static void checkLength(Path file, String key, long given, long expected, boolean scalarAllowed) {
        if (given != 0 && given != expected && !(scalarAllowed && given == 1)) {
            throw new PolicyException(file + ": " + key + " has " + given + " entries, the model has " + expected);
        }
    }
}
