package dev.stabilis.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.graph.Graph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the official ONNX backend node tests (Debian package {@code libonnx-testdata}) for every operator the
 * importer turns into layers: each test model is converted with {@link OnnxImporter#convert} and run with
 * {@link GraphModel#forward} on {@code input_0}, and the result must match {@code output_0}.
 *
 * <p>The engine has one dynamic input whose first axis is the batch. Graph input 0 is fed at run time; the
 * other graph inputs (weights, biases, shapes, ratios) are added to the model as initializers, so the importer
 * sees them as load-time constants.
 *
 * <p>Every collected test must pass, except the variants listed in {@link #EXPECTED_UNSUPPORTED}, which lie
 * outside the engine's contract: for those the importer must refuse the model with an
 * {@link OnnxImportException} that names the operator and the reason. A listed test that converts fails too,
 * so the list cannot go stale.
 */
class OnnxNodeConformanceTest {

    static final Path NODE_TESTS = Path.of("/usr/share/libonnx-testdata/data/node");

    /**
     * Directory name prefixes (after {@code test_}, followed by the end of the name or {@code _}) and the
     * operator their model must use. The operator check keeps other operators that share a prefix out
     * ({@code test_convinteger_*}, {@code test_convtranspose_*}, {@code test_matmulinteger}, expanded
     * function tests).
     */
    static final Map<String, String> OPERATORS = operators();

    private static Map<String, String> operators() {
        Map<String, String> ops = new LinkedHashMap<>();
        ops.put("add", "Add");
        ops.put("sub", "Sub");
        ops.put("mul", "Mul");
        ops.put("div", "Div");
        ops.put("gemm", "Gemm");
        ops.put("matmul", "MatMul");
        ops.put("relu", "Relu");
        ops.put("leakyrelu", "LeakyRelu");
        ops.put("sigmoid", "Sigmoid");
        ops.put("tanh", "Tanh");
        ops.put("softplus", "Softplus");
        ops.put("conv", "Conv");
        ops.put("basic_conv", "Conv");
        ops.put("batchnorm", "BatchNormalization");
        ops.put("flatten", "Flatten");
        ops.put("reshape", "Reshape");
        ops.put("averagepool", "AveragePool");
        ops.put("globalaveragepool", "GlobalAveragePool");
        ops.put("identity", "Identity");
        ops.put("dropout", "Dropout");
        ops.put("constant_pad", "Pad");
        return Map.copyOf(ops);
    }

    /**
     * Tests outside the engine's contract, with a substring the import error must contain. The error must
     * also name the operator as {@code (op X)}, except for the tests in {@link #REJECTED_AT_MODEL_INPUT}.
     */
    static final Map<String, String> EXPECTED_UNSUPPORTED = Map.ofEntries(
            // Integer tensors: the engine runs float models; the model input must be FLOAT.
            Map.entry("test_add_uint8", "has element type UINT8, only FLOAT is supported"),
            Map.entry("test_sub_uint8", "has element type UINT8, only FLOAT is supported"),
            Map.entry("test_mul_uint8", "has element type UINT8, only FLOAT is supported"),
            Map.entry("test_div_uint8", "has element type UINT8, only FLOAT is supported"),
            // Identity on optional and sequence values: the model input must be a tensor.
            Map.entry("test_identity_opt", "is not a tensor"),
            Map.entry("test_identity_sequence", "is not a tensor"),
            // The second operand is fed as a constant (see the class comment), and in these tests it has one value
            // per batch position, [3, 4, 5] beside the input's [N, 4, 5]: a constant cannot follow the batch size.
            Map.entry("test_add", "do not broadcast"),
            Map.entry("test_sub", "do not broadcast"),
            Map.entry("test_sub_example", "do not broadcast"),
            Map.entry("test_mul", "do not broadcast"),
            Map.entry("test_mul_example", "do not broadcast"),
            Map.entry("test_div", "do not broadcast"),
            Map.entry("test_div_example", "do not broadcast"),
            Map.entry("test_matmul_3d", "do not broadcast"),
            Map.entry("test_gemm_default_matrix_bias", "does not broadcast into a value"),
            // Gemm with transA=1 mixes the batch axis into the reduction (all_attributes sets transA=1 too).
            Map.entry("test_gemm_transposeA", "transA=1 is not supported"),
            Map.entry("test_gemm_all_attributes", "transA=1 is not supported"),
            // 1-D and 3-D pooling: only 2-D pooling on [N, C, H, W] is supported.
            Map.entry("test_averagepool_1d_default", "only 2-D pooling is supported"),
            Map.entry("test_averagepool_3d_default", "only 2-D pooling is supported"),
            // Training-mode BatchNormalization (training_mode=1): its running mean and variance outputs are graph
            // outputs, which the importer refuses before it looks at training_mode.
            Map.entry("test_batchnorm_epsilon_training_mode", "only the first output is supported"),
            Map.entry("test_batchnorm_example_training_mode", "only the first output is supported"),
            // Dropout whose mask output is a graph output.
            Map.entry("test_dropout_default_mask", "only the first output is supported"),
            Map.entry("test_dropout_default_mask_ratio", "only the first output is supported"),
            // Reshape of data [N = 2, 3, 4] (allowzero: [0, 3, 4]) to targets that hard-code the batch size 2 or
            // absorb it: they change the number of values per sample, or spread a sample's values across an axis in
            // front of the batch, which no batch size but 2 could run.
            Map.entry("test_reshape_reordered_all_dims", "cannot reshape"),
            Map.entry("test_reshape_one_dim", "cannot reshape"),
            Map.entry("test_reshape_negative_extended_dims", "cannot reshape"),
            Map.entry("test_reshape_allowzero_reordered", "cannot reshape"),
            Map.entry("test_reshape_reordered_last_dims", "cannot reshape"),
            Map.entry("test_reshape_reduced_dims", "cannot reshape"),
            Map.entry("test_reshape_extended_dims", "cannot reshape"),
            Map.entry("test_reshape_zero_dim", "cannot reshape"),
            Map.entry("test_reshape_zero_and_negative_dim", "would spread samples across other axes"),
            Map.entry("test_reshape_negative_dim", "would spread samples across other axes"));

    /**
     * Listed tests that the importer refuses while it inspects the model input, before it reaches any node,
     * so the message names the input instead of an operator.
     */
    static final Set<String> REJECTED_AT_MODEL_INPUT = Set.of("test_add_uint8", "test_sub_uint8", "test_mul_uint8",
            "test_div_uint8", "test_identity_opt", "test_identity_sequence");

    /** One test directory with the operator it exercises. */
    record NodeCase(String name, String op, Path dir) {}

    static List<NodeCase> collect() {
        if (!Files.isDirectory(NODE_TESTS)) {
            throw new AssertionError("ONNX node test data not found at " + NODE_TESTS
                    + ": install Debian package libonnx-testdata (apt-get install libonnx-testdata)");
        }
        List<NodeCase> cases = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(NODE_TESTS)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                String op = operatorOf(name);
                if (op != null && Files.isRegularFile(dir.resolve("model.onnx")) && opTypes(readModel(dir)).contains(op)) {
                    cases.add(new NodeCase(name, op, dir));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    private static String operatorOf(String name) {
        for (Map.Entry<String, String> e : OPERATORS.entrySet()) {
            String prefix = "test_" + e.getKey();
            if (name.equals(prefix) || name.startsWith(prefix + "_")) {
                return e.getValue();
            }
        }
        return null;
    }

    private static Set<String> opTypes(ModelProto model) {
        Set<String> ops = new HashSet<>();
        for (NodeProto node : model.getGraph().getNodeList()) {
            ops.add(node.getOpType());
        }
        return ops;
    }

    static Stream<Arguments> nodeTests() {
        return collect().stream().map(c -> Arguments.of(c.name(), c));
    }

    @Test
    void collectsTheNodeTestsOfEverySupportedOperator() {
        List<NodeCase> cases = collect();
        assertThat(cases).as("collected node test directories").hasSizeGreaterThanOrEqualTo(60);
        assertThat(cases.stream().map(NodeCase::op).distinct())
                .as("operators with node tests").containsExactlyInAnyOrderElementsOf(new HashSet<>(OPERATORS.values()));
        Set<String> names = new HashSet<>(cases.stream().map(NodeCase::name).toList());
        assertThat(names).as("collected tests (every EXPECTED_UNSUPPORTED entry must name one)")
                .containsAll(EXPECTED_UNSUPPORTED.keySet());
        assertThat(EXPECTED_UNSUPPORTED.keySet()).containsAll(REJECTED_AT_MODEL_INPUT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nodeTests")
    void matchesTheReferenceOutput(String name, NodeCase test) {
        ModelProto original = readModel(test.dir());
        Path data = test.dir().resolve("test_data_set_0");
        List<ValueInfoProto> inputs = dynamicInputs(original.getGraph());
        GraphProto.Builder graph = original.getGraph().toBuilder();
        for (int k = 1; k < inputs.size(); k++) {
            TensorProto value = readTensor(data.resolve("input_" + k + ".pb"));
            graph.addInitializer(value.toBuilder().setName(inputs.get(k).getName()));
        }
        ModelProto model = original.toBuilder().setGraph(graph).build();

        String reason = EXPECTED_UNSUPPORTED.get(name);
        if (reason != null) {
            Throwable thrown = catchThrowable(() -> OnnxImporter.convert(model, name));
            if (thrown == null) {
                fail("%s is listed in EXPECTED_UNSUPPORTED (%s) but converts; remove it from the list", name, reason);
            }
            assertThat(thrown).as("import error of %s", name).isInstanceOf(OnnxImportException.class)
                    .hasMessageContaining(name).hasMessageContaining(reason);
            if (!REJECTED_AT_MODEL_INPUT.contains(name)) {
                assertThat(thrown).hasMessageContaining("(op " + test.op() + ")");
            }
            return;
        }

        Graph converted = OnnxImporter.convert(model, name);
        Tensor input = decodeFloats(readTensor(data.resolve("input_0.pb")));
        Tensor expected = decodeFloats(readTensor(data.resolve("output_0.pb")));
        try (GraphModel engine = GraphModel.load(converted, Device.cpu(), DataType.FLOAT32);
                NDManager batch = engine.manager().newSubManager()) {
            NDArray x = batch.create(input.values(), new Shape(input.shape()));
            NDArray y;
            try {
                y = engine.forward(x);
            } catch (RuntimeException e) {
                throw new AssertionError(name + ": forward of a " + Arrays.toString(input.shape()) + " batch through "
                        + converted + " failed: " + e, e);
            }
            assertThat(y.getShape().getShape()).as("output shape of %s (%s)", name, converted).isEqualTo(expected.shape());
            float[] actual = y.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < actual.length; i++) {
                double e = expected.values()[i];
                double tolerance = 1e-4 + 1e-4 * Math.abs(e);
                if (!(Math.abs(actual[i] - e) <= tolerance)) {
                    fail("%s: output[%d] (index %s of shape %s) is %s, expected %s (tolerance %.3g); graph %s", name, i,
                            Arrays.toString(unravel(i, expected.shape())), Arrays.toString(expected.shape()),
                            actual[i], e, tolerance, converted);
                }
            }
        }
    }

    /** Graph inputs that are not initializers, in order: the ones {@code input_k.pb} hold values for. */
    private static List<ValueInfoProto> dynamicInputs(GraphProto graph) {
        Set<String> initializers = new HashSet<>();
        graph.getInitializerList().forEach(t -> initializers.add(t.getName()));
        return graph.getInputList().stream().filter(in -> !initializers.contains(in.getName())).toList();
    }

    /** A float tensor decoded on the host. */
    record Tensor(long[] shape, float[] values) {}

    static Tensor decodeFloats(TensorProto t) {
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        int n = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        float[] v = new float[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !t.getRawData().isEmpty();
        switch (t.getDataType()) {
            case TensorProto.DataType.FLOAT_VALUE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = hasRaw ? raw.getFloat() : t.getFloatData(i);
                }
            }
            case TensorProto.DataType.DOUBLE_VALUE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = (float) (hasRaw ? raw.getDouble() : t.getDoubleData(i));
                }
            }
            default -> throw new AssertionError("tensor '" + t.getName() + "' has element type "
                    + TensorProto.DataType.forNumber(t.getDataType()) + "; only FLOAT and DOUBLE test data can be compared");
        }
        return new Tensor(shape, v);
    }

    private static long[] unravel(int flat, long[] shape) {
        long[] index = new long[shape.length];
        long rest = flat;
        for (int i = shape.length - 1; i >= 0; i--) {
            index[i] = rest % shape[i];
            rest /= shape[i];
        }
        return index;
    }

    static ModelProto readModel(Path dir) {
        try {
            return ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TensorProto readTensor(Path file) {
        try {
            return TensorProto.parseFrom(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
