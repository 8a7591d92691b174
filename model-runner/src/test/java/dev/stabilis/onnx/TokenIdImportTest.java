package dev.stabilis.onnx;

import static dev.stabilis.onnx.TinyOnnx.in;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.certify.IntervalBounds;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Export;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.EmbeddingLookup;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Normalize;
import dev.stabilis.graph.Select;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model whose input is token ids imports as the graph from its embedding lookup's output on, with the lookup (table,
 * ids' name and shape) described beside it.
 */
class TokenIdImportTest {

    private static final Export TEXT = Export.load("token_classifier");

    @ParameterizedTest(name = "input.embedding: {0}")
    @ValueSource(strings = {"", "/embed/Gather", "/embed/Gather_output_0"})
    void aTokenClassifierStartsAtItsEmbeddingWithTheLookupBesideIt(String embedding) {
        OnnxImporter.Imported imported = OnnxImporter.load(TEXT.onnx(), embedding.isEmpty() ? null : embedding);
        EmbeddingLookup lookup = imported.embedding().orElseThrow();
        Graph graph = imported.graph();

        assertThat(lookup.idInput()).isEqualTo("input_ids");
        assertThat(lookup.idShape()).containsExactly(6);
        assertThat(lookup.table().shape()).containsExactly(16, 8);
        assertThat(lookup.node()).isEqualTo("/embed/Gather");
        assertThat(graph.inputName()).isEqualTo("/embed/Gather_output_0").isEqualTo(lookup.output());
        assertThat(graph.inputSampleShape()).containsExactly(6, 8);
        assertThat(graph.outputs()).containsExactly("logits");
        assertThat(graph.nodes()).as("positions from arange fold into a constant; LayerNorm and GELU are fused")
                .noneMatch(n -> n.op() instanceof Select)
                .anyMatch(n -> n.op() instanceof Normalize)
                .anyMatch(n -> n.op().equals(Activation.of(Activation.Kind.GELU)));
    }

    @Test
    void theEmbeddedIdsGiveTorchsLogits() {
        OnnxImporter.Imported imported = OnnxImporter.load(TEXT.onnx(), null);
        EmbeddingLookup lookup = imported.embedding().orElseThrow();
        try (GraphModel model = GraphModel.load(imported.graph(), Device.cpu(), DataType.FLOAT64);
                NDManager batch = model.manager().newSubManager()) {
            for (JsonNode sample : TEXT.reference().get("samples")) {
                float[] ids = floats(Export.doubles(sample.get("ids")));
                float[] embedded = lookup.embed(ids);
                assertThat(embedded).as("the lookup picks the rows torch's Embedding picks")
                        .containsExactly(floats(Export.doubles(sample.get("embedding"))));
                double[] logits = model.forward(batch.create(embedded, new Shape(1, 6, 8))).toDoubleArray();
                double[] expected = Export.doubles(sample.get("logits"));
                for (int c = 0; c < expected.length; c++) {
                    assertThat(logits[c]).as("logit %d", c).isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-6));
                }
            }
        }
    }

    @Test
    void aBoxInEmbeddingSpaceAroundTheEmbeddedIdsBoundsTheGradientAtEveryPointTried() {
        OnnxImporter.Imported imported = OnnxImporter.load(TEXT.onnx(), null);
        EmbeddingLookup lookup = imported.embedding().orElseThrow();
        double epsilon = 0.01; // the fixture policy's certification.epsilon
        java.util.Random random = new java.util.Random(14);
        try (GradientBounds bounds = GradientBounds.load(imported.graph(), Device.cpu());
                NDManager batch = bounds.model().manager().newSubManager()) {
            for (JsonNode sample : TEXT.reference().get("samples")) {
                double[] center = Export.doubles(sample.get("embedding"));
                Shape shape = new Shape(1, lookup.tokens(), lookup.dimension());
                NDArray point = batch.create(center, shape);
                NDArray classes = batch.create(new long[] {sample.get("predicted").asLong()});
                IntervalBounds b = bounds.bounds(point.sub(epsilon), point.add(epsilon), classes, TargetKind.LOGIT, 0);
                double[] lower = b.gradientLower().toDoubleArray();
                double[] upper = b.gradientUpper().toDoubleArray();
                java.util.List<double[]> gradients = new java.util.ArrayList<>();
                gradients.add(Export.doubles(sample.get("gradient")));
                for (int trial = 0; trial < 20; trial++) {
                    double[] x = center.clone();
                    for (int i = 0; i < x.length; i++) {
                        x[i] += trial < 10 ? epsilon * (2 * random.nextDouble() - 1) : epsilon * (random.nextBoolean() ? 1 : -1);
                    }
                    gradients.add(bounds.model().gradients(batch.create(x, shape), classes, TargetKind.LOGIT).gradient().toDoubleArray());
                }
                for (double[] g : gradients) {
                    for (int i = 0; i < g.length; i++) {
                        assertThat(g[i]).as("∂s/∂e[%d]", i).isBetween(lower[i] - 1e-9, upper[i] + 1e-9);
                    }
                }
                double scale = java.util.Arrays.stream(gradients.get(0)).map(Math::abs).max().orElseThrow();
                for (int i = 0; i < lower.length; i++) {
                    assertThat(upper[i] - lower[i]).as("width of bound %d at ε=%s, against max |∂s/∂e| %s", i, epsilon, scale)
                            .isLessThan(0.5 * scale);
                }
            }
        }
    }

    @Test
    void theFloatEntryPointsRefuseTokenModelsAndTheIngestViewNamesTheIds() {
        assertThatThrownBy(() -> OnnxImporter.read(TEXT.onnx())).isInstanceOf(OnnxImportException.class)
                .hasMessageEndingWith("input 'input_ids' holds token ids where a FLOAT input is needed; token models get "
                        + "attributions only (stabilis explain, the policy's input.embedding)");
        OnnxImporter.Input input = OnnxImporter.input(TEXT.onnx());
        assertThat(input.name()).isEqualTo("input_ids");
        assertThat(input.sampleShape()).containsExactly(6);
        assertThat(input.elementType()).isEqualTo("INT64");
    }

    @Test
    void theLookupThePolicyNamesMustBeTheGatherOfTheIds() {
        assertThatThrownBy(() -> OnnxImporter.load(TEXT.onnx(), "/norm/Sqrt")).isInstanceOf(OnnxImportException.class)
                .hasMessageEndingWith("node '/norm/Sqrt' (op Sqrt): input.embedding names it, but it is not a Gather of the token ids "
                        + "'input_ids'");
        assertThatThrownBy(() -> OnnxImporter.load(TEXT.onnx(), "/nowhere")).hasMessageEndingWith(
                "input.embedding names '/nowhere', which is no node or value of the model");
        Path floatModel = Export.load("silu_mlp").onnx();
        assertThatThrownBy(() -> OnnxImporter.load(floatModel, "/embed/Gather")).hasMessageEndingWith(
                "input.embedding names '/embed/Gather', but input 'input' is FLOAT, not token ids");
    }

    @Test
    void idsReadByAnythingButTheLookupAndShapeAreRefused() {
        TinyOnnx mask = tokens().initializer("zero", new long[0], 0f)
                .node("pad", "Equal", in("ids", "zero"), "isPad")
                .node("lookup", "Gather", in("table", "ids"), "e")
                .node("y", "Relu", in("e"), "y").output("y");
        assertThatThrownBy(() -> OnnxImporter.convert(mask.model(), "m", null)).hasMessage(
                "m: node 'pad' (op Equal): reads the token ids 'ids', which only the embedding lookup 'lookup' and Shape may read");
        TinyOnnx two = tokens().initializer("other", new long[] {5, 2}, new float[10])
                .node("a", "Gather", in("table", "ids"), "e")
                .node("b", "Gather", in("other", "ids"), "f").output("e");
        assertThatThrownBy(() -> OnnxImporter.convert(two.model(), "m", null)).hasMessageEndingWith("2 Gathers read them [a, b]");
        TinyOnnx columns = tokens().node("c", "Gather", in("table", "ids"), "e").output("e");
        ModelProto.Builder onAxis1 = columns.model().toBuilder();
        onAxis1.getGraphBuilder().getNodeBuilder(0).addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("axis")
                .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(1));
        assertThatThrownBy(() -> OnnxImporter.convert(onAxis1.build(), "m", null)).hasMessage(
                "m: node 'c' (op Gather): an embedding lookup gathers rows (axis 0) of a constant float table [vocabulary, dimension]");
    }

    @Test
    void torchsEmbeddingNodeTestIsALookupOfRowsAndNothingElse() throws IOException {
        Path dir = Path.of("/usr/share/libonnx-testdata/data/pytorch-converted/test_Embedding");
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx")));
        OnnxImporter.Imported imported = OnnxImporter.convert(model, "test_Embedding", null);
        EmbeddingLookup lookup = imported.embedding().orElseThrow();
        TensorProto ids = TensorProto.parseFrom(Files.readAllBytes(dir.resolve("test_data_set_0/input_0.pb")));
        OnnxNodeConformanceTest.Tensor expected = OnnxNodeConformanceTest.decodeFloats(
                TensorProto.parseFrom(Files.readAllBytes(dir.resolve("test_data_set_0/output_0.pb"))));
        float[] idRow = floats(TensorDecoder.decode(ids).values());

        assertThat(lookup.idShape()).containsExactly(4);
        assertThat(lookup.embed(idRow)).containsExactly(expected.values());
        assertThat(imported.graph().inputSampleShape()).containsExactly(4, 3);
    }

    @Test
    void idsOutsideTheVocabularyOrNotWholeAreRefusedAndNegativeOnesCountFromTheEnd() {
        EmbeddingLookup lookup = OnnxImporter.load(TEXT.onnx(), null).embedding().orElseThrow();
        float[] last = lookup.embed(new float[] {15, 15, 15, 15, 15, 15});
        assertThat(lookup.embed(new float[] {-1, -1, -1, -1, -1, -1})).containsExactly(last);
        assertThatThrownBy(() -> lookup.embed(new float[] {0, 1, 2, 3, 4, 16})).hasMessage(
                "token 5 has id 16.0, not a whole number in [-16, 16)");
        assertThatThrownBy(() -> lookup.embed(new float[] {0, 1.5f, 2, 3, 4, 5})).hasMessageContaining("token 1 has id 1.5");
        assertThatThrownBy(() -> lookup.embed(new float[] {0, 1})).hasMessage("a sample has 2 token ids, the model takes 6");
        float[] attribution = new float[48];
        for (int i = 0; i < attribution.length; i++) {
            attribution[i] = i % 8 == 0 ? 1 : 0.5f;
        }
        assertThat(lookup.perToken(attribution)).containsExactly(4.5f, 4.5f, 4.5f, 4.5f, 4.5f, 4.5f);
    }

    /** Token ids [N, 3] and a table [5, 2]. */
    private static TinyOnnx tokens() {
        return new TinyOnnx().input("ids", TensorDecoder.INT64, 3)
                .initializer("table", new long[] {5, 2}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
