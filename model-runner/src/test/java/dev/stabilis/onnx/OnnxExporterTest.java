package dev.stabilis.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.ConstantPad;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Reduce;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Reshape;
import dev.stabilis.graph.Shapes;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelRepository;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every ONNX model of the project survives import → export: the exported file re-imports to the same logits,
 * and ONNX Runtime runs it to the original model's logits.
 */
class OnnxExporterTest {

    private static final int ROWS = 64;

    @TempDir
    Path dir;

    /** The ONNX fixtures and the demo model of the repository's {@code models/} folder. */
    static Stream<Path> models() {
        Stream<Path> fixtures = Fixture.ONNX.stream().map(name -> Fixture.load(name).onnx());
        return Stream.concat(fixtures, Stream.of(Path.of("../models/digits/1/model.onnx")));
    }

    @ParameterizedTest
    @MethodSource("models")
    void reimportingTheExportGivesIdenticalLogits(Path original) {
        Graph imported = OnnxImporter.read(original);
        Graph reimported = OnnxImporter.read(OnnxExporter.toModel(imported).toByteArray(), "exported " + original);
        float[] rows = rows(imported, original);
        assertThat(reimported.inputName()).isEqualTo(imported.inputName());
        assertThat(reimported.inputSampleShape()).isEqualTo(imported.inputSampleShape());
        assertThat(logits(reimported, rows)).as("%s re-imported", original).isEqualTo(logits(imported, rows));
    }

    @ParameterizedTest
    @MethodSource("models")
    void onnxRuntimeRunsTheExportToTheOriginalLogitsWithin1e5Relative(Path original) throws OrtException {
        Graph imported = OnnxImporter.read(original);
        Path exported = dir.resolve("model.onnx");
        OnnxExporter.write(imported, exported);
        float[] rows = rows(imported, original);
        long[] shape = Shapes.withBatch(ROWS, imported.inputSampleShape());
        float[] expected = onnxRuntime(original, OrtSession.SessionOptions.OptLevel.NO_OPT, rows, shape);
        for (OrtSession.SessionOptions.OptLevel level : List.of(OrtSession.SessionOptions.OptLevel.NO_OPT,
                OrtSession.SessionOptions.OptLevel.ALL_OPT)) {
            float[] actual = onnxRuntime(exported, level, rows, shape);
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < actual.length; i++) {
                double tolerance = 1e-5 * Math.max(1.0, Math.abs(expected[i]));
                assertThat((double) actual[i]).as("%s %s logit %d", original, level, i).isCloseTo(expected[i], within(tolerance));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void theExportDeclaresOpset17TheInputWithADynamicBatchAndTheLogitsOutput(Path original) throws OrtException {
        Graph imported = OnnxImporter.read(original);
        ModelProto model = OnnxExporter.toModel(imported);
        assertThat(model.getOpsetImportList()).singleElement()
                .satisfies(opset -> assertThat(opset.getVersion()).isEqualTo(17L));
        TensorShapeProto inputShape = model.getGraph().getInput(0).getType().getTensorType().getShape();
        assertThat(inputShape.getDim(0).getDimParam()).isEqualTo("batch");
        Path exported = dir.resolve("model.onnx");
        OnnxExporter.write(imported, exported);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(exported.toString(), new OrtSession.SessionOptions())) {
            assertThat(session.getInputNames()).containsExactly(imported.inputName());
            assertThat(session.getOutputNames()).containsExactly(OnnxExporter.OUTPUT);
            NodeInfo input = session.getInputInfo().get(imported.inputName());
            long[] ortShape = ((TensorInfo) input.getInfo()).getShape();
            assertThat(ortShape[0]).as("symbolic batch axis").isEqualTo(-1L);
            assertThat(Arrays.copyOfRange(ortShape, 1, ortShape.length)).isEqualTo(imported.inputSampleShape());
        }
        float[] one = Arrays.copyOf(rows(imported, original), imported.inputSize());
        float[] single = onnxRuntime(exported, imported.inputName(), OrtSession.SessionOptions.OptLevel.ALL_OPT, one,
                Shapes.withBatch(1, imported.inputSampleShape()));
        assertThat(single).hasSize((int) Shapes.size(imported.outputSampleShape()));
    }

    /**
     * Operators and options the fixtures lack: asymmetric constant padding with a fill value, a grouped, dilated,
     * strided convolution with asymmetric pads, a scale and shift together (one per batch position), average pooling
     * with a non-uniform divisor map, a dense map on the last of three axes, global average pooling, a dense map
     * without bias, and the remaining activations.
     */
    @Test
    void everyOperatorKindAndOptionRunsInOnnxRuntimeAsInTheEngine() throws OrtException {
        Random random = new Random(5);
        Graph graph = Graph.chain(new long[] {2, 6, 6}, List.of(
                new ConstantPad(new long[] {0, 0, 1, 0}, new long[] {0, 0, 0, 1}, 0.5),
                new Conv2d(tensor(random, 4, 1, 3, 3), tensor(random, 4), new int[] {1, 2}, new int[] {1, 0, 0, 1},
                        new int[] {2, 1}, 2),
                new Activation(Activation.Kind.LEAKY_RELU, 0.1, 0),
                new ElementwiseAffine(tensor(random, 4, 1, 1), tensor(random, 1, 4, 4, 3)),
                new AveragePool2d(4, new int[] {2, 2}, new int[] {1, 1}, new int[] {0, 0, 1, 1}, new int[] {1, 1},
                        positive(random, 4, 3)),
                Activation.of(Activation.Kind.SIGMOID),
                new Dense(tensor(random, 5, 3), tensor(random, 5)),
                new Reduce(new int[] {2, 3}, true, true),
                new Reshape(new long[] {Shapes.BATCH, 4}),
                Activation.of(Activation.Kind.TANH),
                new Dense(tensor(random, 3, 4), null),
                Activation.of(Activation.Kind.SOFTPLUS)));
        assertThat(graph.outputSampleShape()).containsExactly(3);
        Path exported = dir.resolve("model.onnx");
        OnnxExporter.write(graph, exported);
        float[] rows = new float[ROWS * graph.inputSize()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextGaussian();
        }
        float[] expected = logits(graph, rows);
        assertThat(logits(OnnxImporter.read(exported), rows)).as("re-imported").isEqualTo(expected);
        long[] shape = Shapes.withBatch(ROWS, graph.inputSampleShape());
        for (OrtSession.SessionOptions.OptLevel level : List.of(OrtSession.SessionOptions.OptLevel.NO_OPT,
                OrtSession.SessionOptions.OptLevel.ALL_OPT)) {
            float[] actual = onnxRuntime(exported, "x", level, rows, shape);
            for (int i = 0; i < actual.length; i++) {
                assertThat(actual[i]).as("%s output %d", level, i).isCloseTo(expected[i], within(1e-5f * Math.max(1f, Math.abs(expected[i]))));
            }
        }
    }

    @Test
    void aGraphWithoutNodesIsWrittenAsOneIdentity() throws OrtException {
        Graph identity = Graph.chain(new long[] {3}, List.of());
        Path exported = dir.resolve("identity.onnx");
        OnnxExporter.write(identity, exported);
        Graph reimported = OnnxImporter.read(exported);
        assertThat(reimported.outputs()).as("the output keeps its name").containsExactly(OnnxExporter.OUTPUT);
        assertThat(reimported.nodes()).extracting(n -> n.op().toString()).containsExactly("Reshape[-1, 3]");
        float[] rows = {1f, -2f, 3.5f, 0f, 7f, -0.25f};
        assertThat(onnxRuntime(exported, "x", OrtSession.SessionOptions.OptLevel.ALL_OPT, rows, new long[] {2, 3})).containsExactly(rows);
        Graph clash = new Graph(OnnxExporter.OUTPUT, new long[] {3}, List.of(), List.of(OnnxExporter.OUTPUT));
        assertThatThrownBy(() -> OnnxExporter.write(clash, dir.resolve("clash.onnx")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be named 'logits'");
    }

    @Test
    void softplusWithBetaIsWrittenAsMulSoftplusMulAndReadBackAsTheSameNodes() {
        Graph relu = OnnxImporter.read(Fixture.load("digits_mlp_relu").onnx());
        Graph smooth = relu.reluSmoothed(4f);
        ModelProto model = OnnxExporter.toModel(smooth);
        List<String> ops = model.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
        assertThat(ops).containsExactly("MatMul", "Add", "Mul", "Softplus", "Mul", "MatMul", "Add", "Mul", "Softplus", "Mul",
                "MatMul", "Add", "Identity");
        Graph reimported = OnnxImporter.convert(model, "smoothed");
        // the importer folds Add and Mul(β) into the dense map before them, as for PyTorch's Mul, Softplus, Div
        assertThat(reimported.nodes()).hasSize(7);
        assertThat(reimported.nodes().get(1).op()).isEqualTo(Activation.of(Activation.Kind.SOFTPLUS));
        assertThat(reimported.nodes().get(2).op()).isEqualTo(ElementwiseAffine.scale(HostTensor.scalar(0.25)));
        float[] rows = rows(smooth, Fixture.load("digits_mlp_relu").onnx());
        float[] expected = logits(smooth, rows);
        float[] actual = logits(reimported, rows);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f * Math.max(1f, Math.abs(expected[i]))));
        }
    }

    @Test
    void anExportedModelLoadsFromAModelRepositoryVersion() throws IOException {
        Fixture softplus = Fixture.load("digits_mlp_softplus");
        Graph graph = OnnxImporter.read(softplus.onnx());
        Path version = Files.createDirectories(dir.resolve("repo").resolve("digits-hardened").resolve("3"));
        OnnxExporter.write(graph, version.resolve("model.onnx"));
        Files.copy(softplus.directory().resolve("stabilis.yaml"), version.resolve("stabilis.yaml"));
        float[] rows = rows(graph, softplus.onnx());
        try (LoadedModel model = new ModelRepository(dir.resolve("repo")).load("digits-hardened", "latest", Device.cpu());
                NDManager batch = model.model().manager().newSubManager()) {
            assertThat(model.version()).isEqualTo("3");
            assertThat(model.policy().classNames()).hasSize(10);
            float[] logits = model.model().logits(batch.create(rows, new Shape(Shapes.withBatch(ROWS, graph.inputSampleShape()))))
                    .toFloatArray();
            assertThat(logits).isEqualTo(logits(graph, rows));
            for (Fixture.Sample sample : softplus.samples().subList(0, 8)) {
                float[] one = model.model().logits(batch.create(sample.input(), new Shape(Shapes.withBatch(1, graph.inputSampleShape()))))
                        .toFloatArray();
                for (int c = 0; c < one.length; c++) {
                    assertThat(one[c]).as("PyTorch's logit %d", c).isCloseTo(sample.logits()[c], within(1e-4f));
                }
            }
        }
    }

    /**
     * {@value #ROWS} rows: the fixture's reference samples (the model's first fixture with the same input
     * size for the demo model), then the same samples with relative noise.
     */
    private static float[] rows(Graph graph, Path model) {
        float[][] reference = referenceInputs(graph.inputSize(), model);
        int size = graph.inputSize();
        float[] flat = new float[ROWS * size];
        Random random = new Random(11);
        for (int r = 0; r < ROWS; r++) {
            float[] base = reference[r % reference.length];
            for (int i = 0; i < size; i++) {
                flat[r * size + i] = r < reference.length ? base[i] : base[i] * (1 + 0.2f * (float) random.nextGaussian());
            }
        }
        return flat;
    }

    private static float[][] referenceInputs(int size, Path model) {
        List<Fixture> candidates = new ArrayList<>();
        for (String name : Fixture.ONNX) {
            Fixture f = Fixture.load(name);
            if (model.toAbsolutePath().normalize().equals(f.onnx().toAbsolutePath().normalize())) {
                return f.inputs();
            }
            if (f.inputSize() == size) {
                candidates.add(f);
            }
        }
        return candidates.get(0).inputs();
    }

    private static HostTensor tensor(Random random, long... shape) {
        double[] v = new double[(int) Shapes.size(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian() * 0.5;
        }
        return new HostTensor(shape, v);
    }

    private static HostTensor positive(Random random, long... shape) {
        double[] v = new double[(int) Shapes.size(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.1 + random.nextDouble();
        }
        return new HostTensor(shape, v);
    }

    private static float[] logits(Graph graph, float[] rows) {
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32);
                NDManager batch = model.manager().newSubManager()) {
            int n = rows.length / graph.inputSize();
            return model.logits(batch.create(rows, new Shape(Shapes.withBatch(n, graph.inputSampleShape())))).toFloatArray();
        }
    }

    private static float[] onnxRuntime(Path file, OrtSession.SessionOptions.OptLevel level, float[] rows, long[] shape)
            throws OrtException {
        return onnxRuntime(file, "input", level, rows, shape);
    }

    private static float[] onnxRuntime(Path file, String inputName, OrtSession.SessionOptions.OptLevel level, float[] rows,
            long[] shape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(level);
            try (OrtSession session = env.createSession(file.toString(), options);
                    OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(rows), shape);
                    OrtSession.Result result = session.run(Map.of(inputName, input))) {
                float[][] out = (float[][]) result.get(0).getValue();
                float[] flat = new float[out.length * out[0].length];
                for (int r = 0; r < out.length; r++) {
                    System.arraycopy(out[r], 0, flat, r * out[r].length, out[r].length);
                }
                return flat;
            }
        }
    }
}
