package dev.stabilis.engine;

import static dev.stabilis.fixtures.Closeness.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explainer;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.attribution.GradientTimesInput;
import dev.stabilis.attribution.IntegratedGradients;
import dev.stabilis.attribution.Saliency;
import dev.stabilis.attribution.SmoothGrad;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TorchScript trace of the digits MLP gives the same attributions (via autograd) as its ONNX export. */
class TorchScriptModelTest {

    private final Fixture onnx = Fixture.load("digits_mlp_relu");
    private final Fixture torchscript = Fixture.load("digits_mlp_relu_torchscript");

    @Test
    void tracedModelGivesTheSameAttributionsAsTheOnnxExportForEveryMethod() {
        float[] sigma = new float[64];
        java.util.Arrays.fill(sigma, 0.1f);
        List<Explainer> methods = List.of(new Saliency(), new GradientTimesInput(), new IntegratedGradients(32, null),
                new SmoothGrad(8, sigma, 5));
        try (TorchScriptModel traced = TorchScriptModel.load(torchscript.directory().resolve("model.pt"), new long[] {64}, Device.cpu());
                GraphModel exported = GraphModel.load(OnnxImporter.read(onnx.onnx()), Device.cpu(), DataType.FLOAT32)) {
            assertThat(traced.classes()).isEqualTo(10);
            for (Explainer method : methods) {
                List<Explanation> a = new Attributor(traced, method).explain(onnx.inputs(), null);
                List<Explanation> b = new Attributor(exported, method).explain(onnx.inputs(), null);
                for (int i = 0; i < a.size(); i++) {
                    assertThat(a.get(i).predicted()).isEqualTo(b.get(i).predicted());
                    assertClose(method.method() + " sample " + i, a.get(i).attribution(), b.get(i).attribution(), 1e-4, 1e-6);
                }
            }
        }
    }

    @Test
    void autogradGradientsMatchThePyTorchReferenceForLogitAndLogProbability() {
        try (TorchScriptModel traced = TorchScriptModel.load(torchscript.directory().resolve("model.pt"), new long[] {64}, Device.cpu());
                ai.djl.ndarray.NDManager batch = traced.manager().newSubManager()) {
            ai.djl.ndarray.NDArray x = GraphModelTest.batch(batch, torchscript);
            ai.djl.ndarray.NDArray classes = traced.predict(x);
            Gradients logit = traced.gradients(x, classes, TargetKind.LOGIT);
            Gradients logprob = traced.gradients(x, classes, TargetKind.LOG_PROBABILITY);
            for (int i = 0; i < torchscript.samples().size(); i++) {
                Fixture.Sample s = torchscript.samples().get(i);
                assertClose("logits " + i, logit.logits().get(i).toFloatArray(), s.logits(), 1e-5, 1e-3);
                assertClose("gradient " + i, logit.gradient().get(i).toFloatArray(), s.gradient(), 1e-4, 1e-6);
                assertClose("log-probability gradient " + i, logprob.gradient().get(i).toFloatArray(), s.logprobGradient(),
                        1e-4, GraphModelTest.maxAbs(s.gradient()) * 1e-2);
            }
        }
    }

    @Test
    void aFileThatIsNotTorchScriptIsRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.pt");
        Files.write(file, new byte[] {1, 2, 3, 4});
        assertThatThrownBy(() -> TorchScriptModel.load(file, new long[] {64}, Device.cpu()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("cannot load TorchScript model");
    }
}
