package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The layer-graph engine computes the same logits as ONNX Runtime. ONNX Runtime runs with graph optimizations
 * off: with its defaults (1.20.0) the digits CNN's logits move by up to 0.73 away from both PyTorch's
 * reference values and the unoptimized ONNX Runtime result, consistent with its optimizer fusing the zero Pad
 * into the following AveragePool although {@code count_include_pad=0} then divides by fewer taps.
 */
class OnnxRuntimeAgreementTest {

    static Stream<Fixture> fixtures() {
        return Fixture.ONNX.stream().map(Fixture::load);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void logitsAgreeWithOnnxRuntimeWithin1e5Relative(Fixture fixture) throws OrtException {
        int rows = 64;
        int size = fixture.inputSize();
        float[] flat = new float[rows * size];
        Random random = new Random(11);
        float[][] reference = fixture.inputs();
        for (int r = 0; r < rows; r++) {
            float[] base = reference[r % reference.length];
            for (int i = 0; i < size; i++) {
                // reference samples, then the same samples with relative noise: inside and around the data
                flat[r * size + i] = r < reference.length ? base[i] : base[i] * (1 + 0.2f * (float) random.nextGaussian());
            }
        }
        long[] shape = Shapes.withBatch(rows, fixture.inputShape());
        float[] ours;
        try (GraphModel model = GraphModel.load(OnnxImporter.read(fixture.onnx()), Device.cpu(), DataType.FLOAT32);
                NDManager batch = model.manager().newSubManager()) {
            NDArray logits = model.logits(batch.create(flat, new Shape(shape)));
            ours = logits.toFloatArray();
        }
        float[] theirs;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            theirs = runOnnxRuntime(env, options, fixture, flat, shape);
        }
        assertThat(ours).hasSameSizeAs(theirs);
        for (int i = 0; i < ours.length; i++) {
            double tolerance = 1e-5 * Math.max(1.0, Math.abs(theirs[i]));
            assertThat((double) ours[i]).as("%s logit %d (row %d)", fixture, i, i / 10)
                    .isCloseTo(theirs[i], org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    private static float[] runOnnxRuntime(OrtEnvironment env, OrtSession.SessionOptions options, Fixture fixture,
            float[] flat, long[] shape) throws OrtException {
        float[] theirs;
        try (OrtSession session = env.createSession(fixture.onnx().toString(), options);
                OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), shape);
                OrtSession.Result result = session.run(Map.of("input", input))) {
            float[][] out = (float[][]) result.get(0).getValue();
            theirs = new float[out.length * out[0].length];
            for (int r = 0; r < out.length; r++) {
                System.arraycopy(out[r], 0, theirs, r * out[r].length, out[r].length);
            }
        }
        return theirs;
    }
}
