package dev.stabilis.engine;

import static dev.stabilis.fixtures.Closeness.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.fixtures.ArchitectureFixtures;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class GraphModelTest {

    static Stream<Fixture> fixtures() {
        return Fixture.ONNX.stream().map(Fixture::load);
    }

    static NDArray batch(NDManager manager, Fixture fixture) {
        float[][] rows = fixture.inputs();
        float[] flat = new float[rows.length * fixture.inputSize()];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * fixture.inputSize(), fixture.inputSize());
        }
        return manager.create(flat, new Shape(Shapes.withBatch(rows.length, fixture.inputShape())));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void explicitBackwardMatchesPyTorchAutogradForLogitAndLogProbability(Fixture fixture) {
        try (GraphModel model = GraphModel.load(OnnxImporter.read(fixture.onnx()), Device.cpu(), DataType.FLOAT32);
                NDManager batch = model.manager().newSubManager()) {
            NDArray x = batch(batch, fixture);
            NDArray predicted = model.predict(x);
            Gradients logit = model.gradients(x, predicted, TargetKind.LOGIT);
            Gradients logprob = model.gradients(x, predicted, TargetKind.LOG_PROBABILITY);
            for (int i = 0; i < fixture.samples().size(); i++) {
                Fixture.Sample s = fixture.samples().get(i);
                assertThat(predicted.getLong(i)).as("predicted class of sample %d", i).isEqualTo(s.predicted());
                assertClose("logits of sample " + i, logit.logits().get(i).toFloatArray(), s.logits(), 1e-5, 1e-3);
                assertClose("logit gradient of sample " + i, logit.gradient().get(i).flatten().toFloatArray(),
                        s.gradient(), 1e-4, 1e-6);
                assertClose("log-probability gradient of sample " + i,
                        logprob.gradient().get(i).flatten().toFloatArray(), s.logprobGradient(), 1e-4,
                        maxAbs(s.gradient()) * 1e-2);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "squeezenet1_1", "densenet121"})
    void inputGradientsByLibtorchsAutogradAreThoseOfTheBackwardRules(String name) {
        try (GraphModel model = GraphModel.load(OnnxImporter.read(ArchitectureFixtures.materialise(name)), Device.cpu(), DataType.FLOAT32);
                NDManager batch = model.manager().newSubManager()) {
            assertThat(model.gradientsByAutograd()).as("%s takes autograd", name).isTrue();
            SplittableRandom random = new SplittableRandom(7);
            Shape shape = new Shape(Shapes.withBatch(3, model.inputShape()));
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextDouble();
            }
            NDArray x = batch.create(values, shape);
            Gradients gradients = model.gradients(x, null, TargetKind.LOG_PROBABILITY);
            NDArray seed = TargetKind.LOG_PROBABILITY.seed(gradients.logits(), gradients.classes());
            NDArray byRules = model.adjoints(model.values(x), seed)[0];
            double scale = byRules.abs().max().getFloat();
            assertThat((double) gradients.gradient().sub(byRules).abs().max().getFloat())
                    .as("%s: largest difference to the rules' gradient, of %s", name, scale)
                    .isLessThanOrEqualTo(1e-5 * scale);
        }
    }

    @Test
    void float32GraphsWithConvolutionsTooLargeToUnrollOrMaxPoolingTakeAutogradForInputGradients() {
        Map<Path, Boolean> takesAutogradInFloat32 = Map.of(
                Fixture.load("digits_mlp_relu").onnx(), false,
                ArchitectureFixtures.materialise("transformer_explicit"), false,
                Fixture.load("digits_cnn").onnx(), true, // a 3×3 convolution on 8×8 maps
                ArchitectureFixtures.materialise("resnet18"), true);
        takesAutogradInFloat32.forEach((onnx, autograd) -> {
            for (DataType type : List.of(DataType.FLOAT32, DataType.FLOAT64)) {
                try (GraphModel model = GraphModel.load(OnnxImporter.read(onnx), Device.cpu(), type)) {
                    assertThat(model.gradientsByAutograd()).as("%s in %s", onnx, type)
                            .isEqualTo(autograd && type == DataType.FLOAT32);
                }
            }
        });
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void explicitBackwardMatchesCentralFiniteDifferencesInFloat64(Fixture fixture) {
        double h = 1e-6;
        try (GraphModel model = GraphModel.load(OnnxImporter.read(fixture.onnx()), Device.cpu(), DataType.FLOAT64);
                NDManager batch = model.manager().newSubManager()) {
            NDArray x = batch(batch, fixture).toType(DataType.FLOAT64, false);
            NDArray classes = model.predict(x);
            double[] gradient = model.gradients(x, classes, TargetKind.LOGIT).gradient().toDoubleArray();
            int n = fixture.samples().size();
            int size = fixture.inputSize();
            for (int i = 0; i < size; i++) {
                NDArray step = batch.zeros(x.getShape(), DataType.FLOAT64).reshape(n, size);
                step.set(new ai.djl.ndarray.index.NDIndex(":, {}", i), h);
                step = step.reshape(x.getShape());
                double[] up = selected(model.logits(x.add(step)), classes);
                double[] down = selected(model.logits(x.sub(step)), classes);
                for (int r = 0; r < n; r++) {
                    double numeric = (up[r] - down[r]) / (2 * h);
                    double scale = Math.max(1e-3, Math.abs(numeric));
                    assertThat(gradient[r * size + i]).as("%s sample %d feature %d", fixture, r, i)
                            .isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-4 * scale + 1e-7));
                }
            }
        }
    }

    private static double[] selected(NDArray logits, NDArray classes) {
        return logits.mul(classes.oneHot((int) logits.getShape().get(1), DataType.FLOAT64)).sum(new int[] {1}).toDoubleArray();
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }
}
