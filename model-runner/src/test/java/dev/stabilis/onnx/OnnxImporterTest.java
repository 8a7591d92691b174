package dev.stabilis.onnx;

import static dev.stabilis.onnx.TinyOnnx.in;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.ConstantPad;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Reshape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxImporterTest {

    private static List<Class<?>> kinds(Graph graph) {
        return graph.nodes().stream().<Class<?>>map(n -> n.op().getClass()).toList();
    }

    @Test
    void cnnExportBecomesConvWithFoldedBatchNormThenPaddedPoolingAndAFoldedReshape() {
        Graph graph = OnnxImporter.read(Fixture.load("digits_cnn").onnx());
        assertThat(graph.inputName()).isEqualTo("input");
        assertThat(graph.inputSampleShape()).containsExactly(1, 8, 8);
        assertThat(kinds(graph)).containsExactly(Conv2d.class, Activation.class, ConstantPad.class,
                AveragePool2d.class, Reshape.class, Dense.class);
        assertThat(((Reshape) graph.nodes().get(4).op()).shape()).as("Shape/Gather/Unsqueeze/Concat chain folded").containsExactly(-1, 128);
        assertThat(graph.outputSampleShape()).containsExactly(10);
    }

    @Test
    void mlpExportsBecomeDenseLayersWithConstantScalingFoldedIn() {
        assertThat(kinds(OnnxImporter.read(Fixture.load("digits_mlp_relu").onnx())))
                .containsExactly(Dense.class, Activation.class, Dense.class, Activation.class, Dense.class);
        // softplus(β) exports as Mul(β) → Softplus → Div(β): the Mul folds into the dense layer before it
        assertThat(kinds(OnnxImporter.read(Fixture.load("digits_mlp_softplus").onnx()))).containsExactly(
                Dense.class, Activation.class, ElementwiseAffine.class, Dense.class, Activation.class,
                ElementwiseAffine.class, Dense.class);
        // standardisation (x − μ) / s stays as elementwise layers in front of the first dense layer
        assertThat(kinds(OnnxImporter.read(Fixture.load("breast_cancer_mlp_tanh").onnx()))).startsWith(
                ElementwiseAffine.class, ElementwiseAffine.class, Dense.class, Activation.class);
        assertThat(kinds(OnnxImporter.read(Fixture.load("digits_mlp_mixed").onnx()))).startsWith(Reshape.class, Dense.class);
    }

    @Test
    void bytesThatAreNotAnOnnxModelAreRefusedAsNotValid(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.onnx");
        Files.writeString(file, "this is not protobuf", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> OnnxImporter.read(file)).isInstanceOf(OnnxImportException.class)
                .hasMessageStartingWith(file + ": not a valid ONNX model");
        assertThatThrownBy(() -> OnnxImporter.read(dir.resolve("missing.onnx"))).isInstanceOf(OnnxImportException.class)
                .hasMessageContaining("cannot read model file");
    }

    @Test
    void anUnsupportedOperatorIsNamedWithItsNode() {
        TinyOnnx model = new TinyOnnx().input("x", TensorDecoder.FLOAT, 4)
                .node("normalise", "LpNormalization", in("x"), "y").output("y");
        assertThatThrownBy(() -> OnnxImporter.convert(model.model(), "tiny.onnx"))
                .isInstanceOf(OnnxImportException.class)
                .hasMessage("tiny.onnx: node 'normalise' (op LpNormalization): unsupported operator LpNormalization");
    }

    @Test
    void aValueReadByTwoNodesBecomesAResidualBranch() {
        TinyOnnx model = new TinyOnnx().input("x", TensorDecoder.FLOAT, 4)
                .node("act", "Relu", in("x"), "a")
                .node("skip", "Add", in("a", "x"), "y").output("y");
        Graph graph = OnnxImporter.convert(model.model(), "tiny.onnx");
        assertThat(graph.nodes()).extracting(n -> n.op().getClass().getSimpleName()).containsExactly("Activation", "Add");
        assertThat(graph.nodes().get(1).inputs()).containsExactly("a", "x");
        assertThat(graph.outputs()).containsExactly("y");
    }

    @Test
    void theInputMustBeOneFloatTensorOrTokenIdsWithOnlyTheBatchAxisSymbolic() {
        TinyOnnx ints = new TinyOnnx().input("x", TensorDecoder.INT64, 4).node("r", "Relu", in("x"), "y").output("y");
        assertThatThrownBy(() -> OnnxImporter.convert(ints.model(), "m")).hasMessage("m: input 'x' holds token ids, which must "
                + "feed one embedding lookup (a Gather of rows of a float table); no Gather reads them");
        TinyOnnx bytes = new TinyOnnx().input("x", TensorDecoder.UINT8, 4).node("r", "Relu", in("x"), "y").output("y");
        assertThatThrownBy(() -> OnnxImporter.convert(bytes.model(), "m")).hasMessage(
                "m: input 'x' has element type UINT8, only FLOAT is supported (or INT64/INT32 token ids)");
        TinyOnnx two = new TinyOnnx().input("x", TensorDecoder.FLOAT, 4).input("z", TensorDecoder.FLOAT, 4)
                .node("r", "Relu", in("x"), "y").output("y");
        assertThatThrownBy(() -> OnnxImporter.convert(two.model(), "m")).hasMessageContaining(
                "exactly one input that is not an initializer, it has [x, z]");
    }

    @Test
    void anOutputNotComputedFromTheInputIsRefused() {
        TinyOnnx model = new TinyOnnx().input("x", TensorDecoder.FLOAT, 2)
                .initializer("c", new long[] {2}, 1f, 2f)
                .node("r", "Relu", in("x"), "y").output("c");
        assertThatThrownBy(() -> OnnxImporter.convert(model.model(), "m")).hasMessage(
                "m: no output of the model is computed from input 'x'");
    }

    @Test
    void divisionOfAConstantByTheInputIsAScaledReciprocal() {
        TinyOnnx model = new TinyOnnx().input("x", TensorDecoder.FLOAT, 2)
                .initializer("c", new long[] {2}, 1f, 2f)
                .node("inverse", "Div", in("c", "x"), "y").output("y");
        Graph graph = OnnxImporter.convert(model.model(), "m");
        assertThat(graph.nodes()).extracting(n -> n.op().toString()).containsExactly("RECIPROCAL", "ElementwiseAffine(×[2])");
    }

    @Test
    void matMulThenAddBecomesOneDenseLayer() {
        TinyOnnx model = new TinyOnnx().input("x", TensorDecoder.FLOAT, 2)
                .initializer("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6)
                .initializer("b", new long[] {3}, 0.5f, -0.5f, 1f)
                .node("mm", "MatMul", in("x", "w"), "h")
                .node("bias", "Add", in("h", "b"), "y").output("y");
        Graph graph = OnnxImporter.convert(model.model(), "m");
        assertThat(graph.nodes()).hasSize(1);
        Dense dense = (Dense) graph.nodes().get(0).op();
        assertThat(dense.weight().shape()).containsExactly(3, 2);
        assertThat(dense.weight().data()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(dense.bias().data()).containsExactly(0.5f, -0.5f, 1f);
    }

    @Test
    void anOutputThatIsTheInputItselfKeepsTheNameTheModelGivesIt() {
        TinyOnnx model = new TinyOnnx().input("x", TensorDecoder.FLOAT, 3).node("same", "Identity", in("x"), "y").output("y");
        Graph graph = OnnxImporter.convert(model.model(), "m");
        assertThat(graph.outputs()).containsExactly("y");
        assertThat(forward(graph, new float[] {1, -2, 3}, 1, 3)).containsExactly(1, -2, 3);
    }

    @Test
    void anOperatorAlongTheBatchAxisIsRefusedSayingSo() {
        TinyOnnx split = new TinyOnnx().input("x", TensorDecoder.FLOAT, 4)
                .node("halves", "Split", in("x"), "a", "b").output("a");
        assertThatThrownBy(() -> OnnxImporter.convert(split.model(), "m")).hasMessage(
                "m: node 'halves' (op Split): Split along axis 0 of [-1, 4], which carries the batch, is not supported");
    }

    @Test
    void exponentsThatDifferByPositionRaiseEachPositionToItsOwnPower() {
        TinyOnnx model = new TinyOnnx().input("x", TensorDecoder.FLOAT, 2, 3)
                .initializer("e", new long[] {3}, 2f, 1f, 3f)
                .node("power", "Pow", in("x", "e"), "y").output("y");
        Graph graph = OnnxImporter.convert(model.model(), "m");
        float[] x = {2, 3, -2, 0.5f, -1, 4};
        assertThat(forward(graph, x, 1, 2, 3)).containsExactly(4, 3, -8, 0.25f, -1, 64);
    }

    private static float[] forward(Graph graph, float[] input, long... shape) {
        try (GraphModel engine = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32);
                NDManager batch = engine.manager().newSubManager()) {
            return engine.forward(batch.create(input, new Shape(shape))).toFloatArray();
        }
    }
}
