package dev.stabilis.onnx;

import static dev.stabilis.onnx.TinyOnnx.in;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.ModelProto;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.certify.IntervalBounds;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Export;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Activation.Kind;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Mul;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Normalize;
import dev.stabilis.graph.Op;
import dev.stabilis.graph.Shapes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decomposed forms torch 1.13 writes (opset 13) import as the single operators they spell out: the same function
 * (to 1e-6 in float64, and torch's values), with interval gradient bounds that are nowhere wider, and strictly
 * tighter where the decomposed form multiplies or divides values that depend on one another.
 */
class OperatorFusionTest {

    private static final double[] EPSILONS = {0.02, 0.1};

    private static ModelProto proto(Export export) {
        try {
            return ModelProto.parseFrom(Files.readAllBytes(export.onnx()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Op> ops(Graph graph) {
        return graph.nodes().stream().map(Node::op).toList();
    }

    static Stream<Arguments> fusedActivations() {
        return Stream.of(Arguments.of("silu_mlp", Kind.SILU), Arguments.of("hardswish_mlp", Kind.HARD_SWISH),
                Arguments.of("gelu_mlp", Kind.GELU), Arguments.of("gelu_handwritten_mlp", Kind.GELU));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fusedActivations")
    void decomposedActivationsImportAsOneActivation(String name, Kind kind) {
        Export export = Export.load(name);
        Graph fused = OnnxImporter.convert(proto(export), name);
        Graph unfused = OnnxImporter.convert(proto(export), name, false);

        assertThat(ops(fused)).hasSize(3);
        assertThat(ops(fused).get(0)).isInstanceOf(Dense.class);
        assertThat(ops(fused).get(1)).isEqualTo(Activation.of(kind));
        assertThat(ops(fused).get(2)).isInstanceOf(Dense.class);
        assertThat(ops(unfused)).as("the decomposed form multiplies two values").hasAtLeastOneElementOfType(Mul.class);
        assertSameFunction(export, fused, unfused);
    }

    @Test
    void decomposedLayerNormImportsAsTheLayerNormalizationOperatorDoes() {
        Export export = Export.load("layernorm_mlp");
        Graph fused = OnnxImporter.convert(proto(export), export.name());
        Graph opset17 = OnnxImporter.read(Export.load("layernorm_mlp_opset17").onnx());

        assertThat(ops(fused)).extracting(op -> op.getClass().getSimpleName())
                .containsExactly("Dense", "Normalize", "ElementwiseAffine", "Dense");
        assertThat(ops(fused)).as("the same operators, ε and constants as opset 17's LayerNormalization").isEqualTo(ops(opset17));
        assertThat(((Normalize) ops(fused).get(1)).axes()).containsExactly(1);
        assertThat(((ElementwiseAffine) ops(fused).get(2)).shift()).isNotNull();
        assertSameFunction(export, fused, OnnxImporter.convert(proto(export), export.name(), false));
    }

    static Stream<Arguments> boundedForms() {
        // the largest ratio of total widths (fused / decomposed) allowed, a little above what these fixtures show
        // (ε = 0.02 and 0.1: SiLU 0.76 and 0.75, HardSwish 0.85, GELU 0.68, LayerNorm 0.46 and 0.30)
        return Stream.of(Arguments.of("silu_mlp", 0.8), Arguments.of("hardswish_mlp", 0.9), Arguments.of("gelu_mlp", 0.75),
                Arguments.of("gelu_handwritten_mlp", 0.75), Arguments.of("layernorm_mlp", 0.5));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boundedForms")
    void fusedGradientBoundsAreNowhereWiderThanTheDecomposedOnes(String name, double widthRatioAtMost) {
        Export export = Export.load(name);
        Graph fused = OnnxImporter.convert(proto(export), name);
        Graph unfused = OnnxImporter.convert(proto(export), name, false);
        double[][] inputs = rows(export);
        try (GradientBounds tight = GradientBounds.load(fused, Device.cpu());
                GradientBounds loose = GradientBounds.load(unfused, Device.cpu());
                NDManager manager = tight.model().manager().newSubManager()) {
            for (double epsilon : EPSILONS) {
                double tightTotal = 0;
                double looseTotal = 0;
                for (TargetKind kind : TargetKind.values()) {
                    for (double[] x : inputs) {
                        double[] t = widths(tight, manager, x, epsilon, kind);
                        double[] l = widths(loose, manager, x, epsilon, kind);
                        for (int i = 0; i < t.length; i++) {
                            assertThat(t[i]).as("%s ε=%s %s: width of gradient bound %d", name, epsilon, kind, i)
                                    .isLessThanOrEqualTo(l[i] * (1 + 1e-9) + 1e-12);
                            tightTotal += t[i];
                            looseTotal += l[i];
                        }
                    }
                }
                assertThat(tightTotal / looseTotal).as("%s ε=%s: total width fused / decomposed", name, epsilon)
                        .isLessThanOrEqualTo(widthRatioAtMost);
            }
        }
    }

    @Test
    void aDecomposedFormWhoseIntermediateValueIsReadElsewhereStaysDecomposed() {
        TinyOnnx silu = new TinyOnnx().input("x", TensorDecoder.FLOAT, 4)
                .node("gate", "Sigmoid", in("x"), "s")
                .node("silu", "Mul", in("x", "s"), "y")
                .node("other", "Relu", in("s"), "z")
                .node("both", "Add", in("y", "z"), "out").output("out");
        assertThat(ops(OnnxImporter.convert(silu.model(), "m"))).hasAtLeastOneElementOfType(Mul.class)
                .doesNotContain(Activation.of(Kind.SILU));

        TinyOnnx geluWithErfOutput = gelu(0.5f).node("side", "Relu", in("e"), "side").output("side");
        assertThat(ops(OnnxImporter.convert(geluWithErfOutput.model(), "m"))).doesNotContain(Activation.of(Kind.GELU));

        ModelProto layerNorm = proto(Export.load("layernorm_mlp"));
        String deviation = layerNorm.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Sub")).findFirst()
                .orElseThrow().getOutput(0);
        ModelProto.Builder deviationAlsoOutput = layerNorm.toBuilder();
        deviationAlsoOutput.getGraphBuilder().addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(deviation));
        assertThat(ops(OnnxImporter.convert(deviationAlsoOutput.build(), "m"))).hasAtLeastOneElementOfType(dev.stabilis.graph.Div.class)
                .noneMatch(Normalize.class::isInstance);
    }

    @Test
    void geluIsFusedWithItsHalfInAnyPlaceAndOnlyWithTheExactConstants() {
        assertThat(ops(OnnxImporter.convert(gelu(0.5f).model(), "m"))).containsExactly(Activation.of(Kind.GELU));
        assertThat(ops(OnnxImporter.convert(gelu(0.6f).model(), "m"))).doesNotContain(Activation.of(Kind.GELU));
        TinyOnnx halfFirst = new TinyOnnx().input("x", TensorDecoder.FLOAT, 4)
                .initializer("half", new long[0], 0.5f).initializer("one", new long[0], 1f)
                .initializer("root2", new long[0], 1.4142135f)
                .node("h", "Mul", in("x", "half"), "xh")
                .node("d", "Div", in("x", "root2"), "u")
                .node("erf", "Erf", in("u"), "e")
                .node("p", "Add", in("one", "e"), "a")
                .node("m", "Mul", in("xh", "a"), "y").output("y");
        assertThat(ops(OnnxImporter.convert(halfFirst.model(), "m"))).containsExactly(Activation.of(Kind.GELU));
    }

    /** {@code x · (½ · (1 + erf(x · 0.70710677)))}, with {@code half} in place of ½; the erf's output is {@code e}. */
    private static TinyOnnx gelu(float half) {
        return new TinyOnnx().input("x", TensorDecoder.FLOAT, 4)
                .initializer("half", new long[0], half).initializer("one", new long[0], 1f)
                .initializer("inverseRoot2", new long[0], 0.70710677f)
                .node("scale", "Mul", in("x", "inverseRoot2"), "u")
                .node("erf", "Erf", in("u"), "e")
                .node("plus", "Add", in("e", "one"), "a")
                .node("halve", "Mul", in("half", "a"), "g")
                .node("gate", "Mul", in("x", "g"), "y").output("y");
    }

    private static double[][] rows(Export export) {
        int features = export.reference().get("inputShape").get(0).asInt();
        double[] flat = Export.doubles(export.reference().get("inputs"));
        double[][] rows = new double[flat.length / features][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = java.util.Arrays.copyOfRange(flat, r * features, (r + 1) * features);
        }
        return rows;
    }

    /** Fused and unfused graphs agree to 1e-6 in float64, and with torch's float64 logits. */
    private static void assertSameFunction(Export export, Graph fused, Graph unfused) {
        double[] inputs = Export.doubles(export.reference().get("inputs"));
        double[] torch = Export.doubles(export.reference().get("logits"));
        double[] a = forward(fused, inputs);
        double[] b = forward(unfused, inputs);
        for (int i = 0; i < a.length; i++) {
            double tolerance = 1e-6 * Math.max(1, Math.abs(b[i]));
            assertThat(a[i]).as("%s logit %d, fused vs decomposed", export, i).isCloseTo(b[i], org.assertj.core.data.Offset.offset(tolerance));
            assertThat(a[i]).as("%s logit %d, fused vs torch", export, i).isCloseTo(torch[i], org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    private static double[] forward(Graph graph, double[] inputs) {
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
                NDManager batch = model.manager().newSubManager()) {
            long rows = inputs.length / graph.inputSize();
            return model.forward(batch.create(inputs, new Shape(Shapes.withBatch(rows, graph.inputSampleShape())))).toDoubleArray();
        }
    }

    private static double[] widths(GradientBounds bounds, NDManager manager, double[] x, double epsilon, TargetKind kind) {
        Shape shape = new Shape(1, x.length);
        NDArray point = manager.create(x, shape);
        NDArray eps = manager.create(epsilon);
        NDArray classes = bounds.model().predict(point);
        IntervalBounds b = bounds.bounds(point.sub(eps), point.add(eps), classes, kind, 0);
        return b.gradientUpper().sub(b.gradientLower()).toDoubleArray();
    }
}
