package dev.stabilis.smoothing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.onnx.OnnxImporter;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The public face of {@link SmoothedAttack} that benchmarks use to put a certificate to the test: its estimate of the
 * smoothed attribution is the certifier's own estimate when it is given the certifier's noise stream, and its
 * gradient attack returns a point of the ε-sphere.
 */
class SmoothedAttackTest {

    private static final SmoothingSettings SETTINGS =
            new SmoothingSettings(NoiseKind.UNIFORM_BALL, 1.0, 500, 0.001, 0.05, 5, 0.5, TargetKind.LOGIT, 9, 1 << 12);

    @Test
    void itsEstimateAtTheSampleWithTheCertifiersStreamIsTheCertificatesAttribution() {
        float[] x = Fixture.load("digits_mlp_softplus").inputs()[2];
        try (GraphModel model = GraphModel.load(OnnxImporter.read(Fixture.load("digits_mlp_softplus").onnx()), Device.cpu(), DataType.FLOAT32)) {
            SmoothedCertificate certificate = SmoothingCertifier.certify(model, new float[][] {x}, null, SETTINGS).get(0);
            SmoothedAttack attack = SmoothedAttack.on(model, TargetKind.LOGIT, SETTINGS.rowBudget(),
                    SETTINGS.noise().create(SETTINGS.scale(), x.length), SETTINGS.k(), SETTINGS.clipNorm());
            double[] estimate = attack.smoothedAttribution(x, new double[x.length], certificate.target(), SETTINGS.samples(),
                    SETTINGS.seed() ^ Arrays.hashCode(x));
            assertThat(estimate).containsExactly(certificate.attribution(), offset(1e-6));
            double[] elsewhere = attack.smoothedAttribution(x, new double[x.length], certificate.target(), SETTINGS.samples(), 1234);
            assertThat(elsewhere).as("other draws, another estimate").isNotEqualTo(certificate.attribution());

            double[] delta = attack.descend(x, certificate.attribution(), certificate.target(), 0.05, 2, 50, 3);
            assertThat(Math.sqrt(Arrays.stream(delta).map(v -> v * v).sum())).isCloseTo(0.05, offset(1e-9));
        }
    }
}
