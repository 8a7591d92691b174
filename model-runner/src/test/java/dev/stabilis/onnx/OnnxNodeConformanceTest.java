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
 * importer converts ({@link NodeConverter#SUPPORTED}): each test model is converted with {@link OnnxImporter#convert}
 * and run with {@link GraphModel#forward} on {@code input_0}, and each of its outputs must match {@code output_k}.
 * Besides each operator's own tests, the tests of its function-expanded form ({@code test_<op>_..._expanded}: the
 * operator written out in smaller ones, as exporters write Softmax, LayerNormalization or HardSwish) run too.
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
     * ({@code test_convinteger_*}, {@code test_convtranspose_*}, {@code test_matmulinteger}, {@code test_reduce_sum_square_*});
     * a name that ends in {@code _expanded} is collected as the expanded form of the operator its prefix names.
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
        ops.put("maxpool", "MaxPool");
        ops.put("globalmaxpool", "GlobalMaxPool");
        ops.put("softmax", "Softmax");
        ops.put("logsoftmax", "LogSoftmax");
        ops.put("layer_normalization", "LayerNormalization");
        ops.put("instancenorm", "InstanceNormalization");
        ops.put("concat", "Concat");
        ops.put("split", "Split");
        ops.put("slice", "Slice");
        ops.put("gather", "Gather");
        ops.put("transpose", "Transpose");
        ops.put("expand", "Expand");
        ops.put("reduce_mean", "ReduceMean");
        ops.put("reduce_sum", "ReduceSum");
        ops.put("reduce_max", "ReduceMax");
        ops.put("prelu", "PRelu");
        ops.put("elu", "Elu");
        ops.put("selu", "Selu");
        ops.put("hardsigmoid", "HardSigmoid");
        ops.put("hardswish", "HardSwish");
        ops.put("clip", "Clip");
        ops.put("exp", "Exp");
        ops.put("log", "Log");
        ops.put("sqrt", "Sqrt");
        ops.put("pow", "Pow");
        ops.put("neg", "Neg");
        ops.put("abs", "Abs");
        ops.put("erf", "Erf");
        ops.put("reciprocal", "Reciprocal");
        ops.put("squeeze", "Squeeze");
        ops.put("unsqueeze", "Unsqueeze");
        ops.put("sum", "Sum");
        ops.put("cast", "Cast");
        ops.put("constantofshape", "ConstantOfShape");
        return Map.copyOf(ops);
    }

    /** Supported operators that Debian's ONNX 1.12 test data has no node test for (Gelu arrived in opset 20). */
    static final Set<String> WITHOUT_NODE_TESTS = Set.of("Gelu");

    private static final String TOKEN_IDS_WITHOUT_LOOKUP = "holds token ids, which must feed one embedding lookup (a Gather of "
            + "rows of a float table); no Gather reads them";

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
            // 8-bit integer, 16-bit, 64-bit or string model inputs: the input must be FLOAT (32-bit), or token ids.
            Map.entry("test_clip_default_int8_inbounds", "has element type INT8, only FLOAT is supported"),
            Map.entry("test_clip_default_int8_max", "has element type INT8, only FLOAT is supported"),
            Map.entry("test_clip_default_int8_min", "has element type INT8, only FLOAT is supported"),
            Map.entry("test_maxpool_2d_uint8", "has element type UINT8, only FLOAT is supported"),
            // INT64 and INT32 inputs are token ids, which must feed an embedding lookup; here they feed Pow.
            Map.entry("test_pow_types_float", TOKEN_IDS_WITHOUT_LOOKUP),
            Map.entry("test_pow_types_int64_float32", TOKEN_IDS_WITHOUT_LOOKUP),
            Map.entry("test_pow_types_int64_int64", TOKEN_IDS_WITHOUT_LOOKUP),
            Map.entry("test_pow_types_int32_float32", TOKEN_IDS_WITHOUT_LOOKUP),
            Map.entry("test_pow_types_int32_int32", TOKEN_IDS_WITHOUT_LOOKUP),
            // ConstantOfShape's shape is the model input here; the importer takes it only as a load-time (or batch-following)
            // shape, so the INT64 input reads as token ids that feed no lookup.
            Map.entry("test_constantofshape_float_ones", TOKEN_IDS_WITHOUT_LOOKUP),
            Map.entry("test_constantofshape_int_shape_zero", TOKEN_IDS_WITHOUT_LOOKUP),
            Map.entry("test_constantofshape_int_zeros", TOKEN_IDS_WITHOUT_LOOKUP),
            Map.entry("test_cast_BFLOAT16_to_FLOAT", "has element type BFLOAT16, only FLOAT is supported"),
            Map.entry("test_cast_FLOAT16_to_FLOAT", "has element type FLOAT16, only FLOAT is supported"),
            Map.entry("test_cast_FLOAT16_to_DOUBLE", "has element type FLOAT16, only FLOAT is supported"),
            Map.entry("test_cast_DOUBLE_to_FLOAT", "has element type DOUBLE, only FLOAT is supported"),
            Map.entry("test_cast_DOUBLE_to_FLOAT16", "has element type DOUBLE, only FLOAT is supported"),
            Map.entry("test_cast_STRING_to_FLOAT", "has element type STRING, only FLOAT is supported"),
            // Casts of the model's values to 16-bit floats round them to a step function (a gradient of zero almost
            // everywhere), and to strings leave numbers behind.
            Map.entry("test_cast_FLOAT_to_FLOAT16", "Cast of the model's values to FLOAT16 is not supported"),
            Map.entry("test_cast_FLOAT_to_BFLOAT16", "Cast of the model's values to BFLOAT16 is not supported"),
            Map.entry("test_cast_FLOAT_to_STRING", "Cast of the model's values to STRING is not supported"),
            // Identity on optional and sequence values: the model input must be a tensor.
            Map.entry("test_identity_opt", "is not a tensor"),
            Map.entry("test_identity_sequence", "is not a tensor"),
            // An operator along the batch axis (axis 0 of the test's input, the batch as the importer reads it; a LayerNormalization
            // from axis 0 normalises over it, and its expanded form flattens it into the reduced axis; the default axes of Reduce*
            // are all axes): it would mix samples.
            Map.entry("test_concat_1d_axis_0", "which carries the batch, is not supported"),
            Map.entry("test_concat_1d_axis_negative_1", "which carries the batch, is not supported"),
            Map.entry("test_concat_2d_axis_0", "which carries the batch, is not supported"),
            Map.entry("test_concat_2d_axis_negative_2", "which carries the batch, is not supported"),
            Map.entry("test_concat_3d_axis_0", "which carries the batch, is not supported"),
            Map.entry("test_concat_3d_axis_negative_3", "which carries the batch, is not supported"),
            Map.entry("test_gather_0", "which carries the batch, is not supported"),
            Map.entry("test_gather_negative_indices", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_2d_axis0", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_2d_axis_negative_2", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_3d_axis0_epsilon", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_3d_axis_negative_3_epsilon", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_4d_axis0", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_4d_axis_negative_4", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_2d_axis0_expanded", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_2d_axis_negative_2_expanded", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_3d_axis0_epsilon_expanded", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_3d_axis_negative_3_epsilon_expanded", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_4d_axis0_expanded", "which carries the batch, is not supported"),
            Map.entry("test_layer_normalization_4d_axis_negative_4_expanded", "which carries the batch, is not supported"),
            Map.entry("test_softmax_axis_0", "which carries the batch, is not supported"),
            Map.entry("test_softmax_axis_0_expanded", "which carries the batch, is not supported"),
            Map.entry("test_logsoftmax_axis_0", "which carries the batch, is not supported"),
            Map.entry("test_logsoftmax_axis_0_expanded", "which carries the batch, is not supported"),
            Map.entry("test_reduce_max_default_axes_keepdim_example", "which carries the batch, is not supported"),
            Map.entry("test_reduce_max_default_axes_keepdims_random", "which carries the batch, is not supported"),
            Map.entry("test_reduce_mean_default_axes_keepdims_example", "which carries the batch, is not supported"),
            Map.entry("test_reduce_mean_default_axes_keepdims_random", "which carries the batch, is not supported"),
            Map.entry("test_reduce_sum_default_axes_keepdims_example", "which carries the batch, is not supported"),
            Map.entry("test_reduce_sum_default_axes_keepdims_random", "which carries the batch, is not supported"),
            Map.entry("test_slice", "which carries the batch, is not supported"),
            Map.entry("test_slice_default_axes", "which carries the batch, is not supported"),
            Map.entry("test_slice_default_steps", "which carries the batch, is not supported"),
            Map.entry("test_slice_neg_steps", "which carries the batch, is not supported"),
            Map.entry("test_slice_negative_axes", "which carries the batch, is not supported"),
            Map.entry("test_split_equal_parts_1d", "which carries the batch, is not supported"),
            Map.entry("test_split_equal_parts_default_axis", "which carries the batch, is not supported"),
            Map.entry("test_split_variable_parts_1d", "which carries the batch, is not supported"),
            Map.entry("test_split_variable_parts_default_axis", "which carries the batch, is not supported"),
            Map.entry("test_split_zero_size_splits", "which carries the batch, is not supported"),
            Map.entry("test_squeeze", "which carries the batch, is not supported"),
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
            Map.entry("test_sum_example", "do not broadcast"),
            Map.entry("test_sum_two_inputs", "do not broadcast"),
            Map.entry("test_pow", "do not broadcast"),
            Map.entry("test_pow_example", "do not broadcast"),
            Map.entry("test_pow_types_int", "do not broadcast"),
            Map.entry("test_pow_types_float32_int32", "do not broadcast"),
            Map.entry("test_pow_types_float32_int64", "do not broadcast"),
            Map.entry("test_pow_types_float32_uint32", "do not broadcast"),
            Map.entry("test_pow_types_float32_uint64", "do not broadcast"),
            Map.entry("test_expand_dim_unchanged", "do not broadcast"),
            Map.entry("test_gemm_default_matrix_bias", "does not broadcast into a value"),
            Map.entry("test_prelu_example", "does not broadcast into a value"),
            // Concat of the input with a constant that has its own first axis, where the input has the batch.
            Map.entry("test_concat_2d_axis_1", "which cannot follow the batch"),
            Map.entry("test_concat_2d_axis_negative_1", "which cannot follow the batch"),
            Map.entry("test_concat_3d_axis_1", "which cannot follow the batch"),
            Map.entry("test_concat_3d_axis_2", "which cannot follow the batch"),
            Map.entry("test_concat_3d_axis_negative_1", "which cannot follow the batch"),
            Map.entry("test_concat_3d_axis_negative_2", "which cannot follow the batch"),
            // Gemm with transA=1 mixes the batch axis into the reduction (all_attributes sets transA=1 too).
            Map.entry("test_gemm_transposeA", "transA=1 is not supported"),
            Map.entry("test_gemm_all_attributes", "transA=1 is not supported"),
            // 3-D pooling: the engine's windows are 1-D or 2-D ([N, C, L] or [N, C, H, W]), as its convolutions.
            Map.entry("test_averagepool_3d_default", "only 1-D and 2-D windows are supported"),
            Map.entry("test_maxpool_3d_default", "only 1-D and 2-D windows are supported"),
            // A slice that keeps no element: a value without elements has nothing to explain.
            Map.entry("test_slice_start_out_of_bounds", "Slice keeps nothing of axis 1"),
            // Training-mode BatchNormalization (training_mode=1): its running mean and variance outputs are graph
            // outputs, which the importer refuses before it looks at training_mode.
            Map.entry("test_batchnorm_epsilon_training_mode", "only the first output is supported"),
            Map.entry("test_batchnorm_example_training_mode", "only the first output is supported"),
            // Dropout whose mask output (booleans) is a graph output, and MaxPool whose argmax output (int64 indices)
            // is: integer outputs, not functions of the input that gradients exist for.
            Map.entry("test_dropout_default_mask", "only the first output is supported"),
            Map.entry("test_dropout_default_mask_ratio", "only the first output is supported"),
            Map.entry("test_maxpool_with_argmax_2d_precomputed_pads", "only the first output is supported"),
            Map.entry("test_maxpool_with_argmax_2d_precomputed_strides", "only the first output is supported"),
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
    static final Set<String> REJECTED_AT_MODEL_INPUT = EXPECTED_UNSUPPORTED.entrySet().stream()
            .filter(e -> e.getValue().endsWith("only FLOAT is supported") || e.getValue().equals("is not a tensor")
                    || e.getValue().equals(TOKEN_IDS_WITHOUT_LOOKUP))
            .map(Map.Entry::getKey).collect(java.util.stream.Collectors.toUnmodifiableSet());

    /** One test directory with the operator it exercises, itself or written out in smaller operators. */
    record NodeCase(String name, String op, Path dir, boolean expanded) {}

    static List<NodeCase> collect() {
        if (!Files.isDirectory(NODE_TESTS)) {
            throw new AssertionError("ONNX node test data not found at " + NODE_TESTS
                    + ": install Debian package libonnx-testdata (apt-get install libonnx-testdata)");
        }
        List<NodeCase> cases = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(NODE_TESTS)) {
            for (Path dir : dirs.sorted().toList()) {
                String name = dir.getFileName().toString();
                boolean expanded = name.endsWith(EXPANDED);
                String op = operatorOf(expanded ? name.substring(0, name.length() - EXPANDED.length()) : name);
                if (op != null && Files.isRegularFile(dir.resolve("model.onnx")) && opTypes(readModel(dir)).contains(op) != expanded) {
                    cases.add(new NodeCase(name, op, dir, expanded));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    private static final String EXPANDED = "_expanded";

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
        assertThat(cases).as("collected node test directories").hasSizeGreaterThanOrEqualTo(300);
        assertThat(cases.stream().filter(c -> !c.expanded()).map(NodeCase::op).distinct())
                .as("operators with node tests").containsExactlyInAnyOrderElementsOf(new HashSet<>(OPERATORS.values()));
        Set<String> covered = new HashSet<>(OPERATORS.values());
        covered.addAll(WITHOUT_NODE_TESTS);
        assertThat(covered).as("every operator the importer converts has its node tests run")
                .containsExactlyInAnyOrderElementsOf(NodeConverter.SUPPORTED);
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
            if (!REJECTED_AT_MODEL_INPUT.contains(name) && !test.expanded()) {
                assertThat(thrown).hasMessageContaining("(op " + test.op() + ")");
            }
            return;
        }

        Graph converted = OnnxImporter.convert(model, name);
        Tensor input = decodeFloats(readTensor(data.resolve("input_0.pb")));
        List<ValueInfoProto> outputs = original.getGraph().getOutputList();
        for (int k = 0; k < outputs.size(); k++) {
            String output = outputs.get(k).getName();
            assertThat(converted.outputs()).as("outputs of %s", name).contains(output);
            Tensor expected = decodeFloats(readTensor(data.resolve("output_" + k + ".pb")));
            assertMatches(name + " output " + output, converted.withOutput(output), input, expected);
        }
    }

    private static void assertMatches(String what, Graph converted, Tensor input, Tensor expected) {
        try (GraphModel engine = GraphModel.load(converted, Device.cpu(), DataType.FLOAT32);
                NDManager batch = engine.manager().newSubManager()) {
            NDArray x = batch.create(input.values(), new Shape(input.shape()));
            NDArray y;
            try {
                y = engine.forward(x);
            } catch (RuntimeException e) {
                throw new AssertionError(what + ": forward of a " + Arrays.toString(input.shape()) + " batch through "
                        + converted + " failed: " + e, e);
            }
            assertThat(y.getShape().getShape()).as("shape of %s (%s)", what, converted).isEqualTo(expected.shape());
            float[] actual = y.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < actual.length; i++) {
                double e = expected.values()[i];
                double tolerance = 1e-4 + 1e-4 * Math.abs(e);
                if (!(Math.abs(actual[i] - e) <= tolerance)) {
                    fail("%s: [%d] (index %s of shape %s) is %s, expected %s (tolerance %.3g); graph %s", what, i,
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
