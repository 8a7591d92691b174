package dev.stabilis.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.evaluate.LabelledRows;
import dev.stabilis.graph.Shapes;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelRepository;
import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The demo's second model, {@code models/digits_resnet} (trained by {@code tools/fixtures/make_demo_resnet.py}), is
 * the trained residual CNN its README describes: it takes 1×8×8 images and classifies the demo's held-out digits
 * (test rows of its training split) with the accuracy the training script printed, 0.9972 (358 of 359).
 */
class DemoModelsTest {

    @Test
    void theResidualDemoModelClassifiesTheHeldOutDigitsWithItsReportedAccuracy() throws Exception {
        LabelledRows digits;
        try (InputStream in = DemoPools.class.getResourceAsStream("digits-heldout.csv")) {
            digits = LabelledRows.readCsv(in, "digits-heldout.csv", false, 1 / 16.0);
        }
        try (LoadedModel resnet = new ModelRepository(Path.of("..", "models")).load("digits_resnet", "latest", Device.cpu());
                NDManager batch = resnet.model().manager().newSubManager()) {
            assertThat(resnet.model().inputShape()).containsExactly(1, 8, 8);
            int n = digits.size();
            float[] flat = new float[n * 64];
            for (int i = 0; i < n; i++) {
                System.arraycopy(digits.features()[i], 0, flat, i * 64, 64);
            }
            long[] predicted = resnet.model().predict(batch.create(flat, new Shape(Shapes.withBatch(n, resnet.model().inputShape()))))
                    .toLongArray();
            int correct = 0;
            for (int i = 0; i < n; i++) {
                correct += predicted[i] == digits.labels()[i] ? 1 : 0;
            }
            assertThat(n).isEqualTo(359);
            assertThat(correct).as("held-out digits classified correctly").isEqualTo(358);
        }
    }

    @Test
    void theDemoModelsPoliciesNameNoCertificationMethodAndTheAutomaticChoiceKeepsEachOnesMethod() {
        ModelRepository repository = new ModelRepository(Path.of("..", "models"));
        for (String model : new String[] {"digits", "digits_resnet"}) {
            try (LoadedModel loaded = repository.load(model, "latest", Device.cpu())) {
                assertThat(loaded.policy().certification().method()).as(model).isNull();
                assertThat(loaded.certificationChoice().method()).as(model)
                        .isEqualTo(model.equals("digits") ? "interval" : "smoothing");
            }
        }
    }
}
