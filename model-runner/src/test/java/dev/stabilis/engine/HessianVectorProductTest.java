package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HessianVectorProductTest {

    @ParameterizedTest
    @CsvSource({"digits_mlp_softplus,LOGIT", "digits_mlp_softplus,LOG_PROBABILITY", "breast_cancer_mlp_tanh,LOGIT",
        "digits_mlp_mixed,LOG_PROBABILITY", "digits_mlp_relu,LOG_PROBABILITY"})
    void exactHessianVectorProductsMatchFiniteDifferencesOfTheGradient(String name, TargetKind kind) {
        Fixture fixture = Fixture.load(name);
        Graph graph = OnnxImporter.read(fixture.onnx());
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
                NDManager manager = model.manager().newSubManager()) {
            HessianVectorProduct hvp = new HessianVectorProduct(model);
            int n = fixture.inputSize();
            int rows = 4;
            double[] flat = new double[rows * n];
            double[] direction = new double[rows * n];
            Random random = new Random(1);
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < n; i++) {
                    flat[r * n + i] = fixture.samples().get(r).input()[i];
                    direction[r * n + i] = random.nextGaussian();
                }
            }
            Shape shape = new Shape(Shapes.withBatch(rows, fixture.inputShape()));
            NDArray x = manager.create(flat, shape);
            NDArray v = manager.create(direction, shape);
            NDArray classes = model.predict(x);
            double[] exact = hvp.apply(x, classes, kind, v).toDoubleArray();
            double scale = 0;
            for (double e : exact) {
                scale = Math.max(scale, Math.abs(e));
            }
            double h = 1e-7; // float64: truncation error ~h², rounding ~1e-16/h; small enough not to cross ReLU kinks
            double[] up = model.gradients(x.add(v.mul(h)), classes, kind).gradient().toDoubleArray();
            double[] down = model.gradients(x.sub(v.mul(h)), classes, kind).gradient().toDoubleArray();
            for (int i = 0; i < exact.length; i++) {
                double numeric = (up[i] - down[i]) / (2 * h);
                assertThat(exact[i]).as("%s %s H v [%d]", name, kind, i).isCloseTo(numeric, within(1e-4 * Math.max(scale, 1e-6) + 1e-9));
            }
            NDArray eigenvalue = hvp.largestEigenvalue(x, classes, kind, 30, 3);
            assertThat(eigenvalue.getShape()).isEqualTo(new Shape(rows));
        }
    }

    @ParameterizedTest
    @CsvSource({"digits_mlp_relu", "digits_cnn"})
    void reluNetworksHaveNoCurvatureForTheLogit(String name) {
        try (Loaded loaded = new Loaded(name)) {
            NDArray x = loaded.firstSample();
            assertThat(loaded.hvp.largestEigenvalue(x, loaded.model.predict(x), TargetKind.LOGIT, 10, 1).getDouble(0)).isZero();
        }
    }

    @ParameterizedTest
    @CsvSource({"digits_mlp_softplus"})
    void powerIterationFindsAnEigenvector(String name) {
        try (Loaded loaded = new Loaded(name)) {
            HessianVectorProduct hvp = loaded.hvp;
            NDArray x = loaded.firstSample();
            double[] flat = x.toDoubleArray();
            NDArray classes = loaded.model.predict(x);
            double lambda = hvp.largestEigenvalue(x, classes, TargetKind.LOGIT, 200, 2).getDouble(0);
            // λ_max bounds the Rayleigh quotient of any direction
            Random random = new Random(9);
            for (int trial = 0; trial < 20; trial++) {
                double[] d = new double[flat.length];
                double norm = 0;
                for (int i = 0; i < d.length; i++) {
                    d[i] = random.nextGaussian();
                    norm += d[i] * d[i];
                }
                NDArray v = loaded.manager.create(d, x.getShape());
                double rayleigh = hvp.apply(x, classes, TargetKind.LOGIT, v).mul(v).sum().getDouble() / norm;
                assertThat(Math.abs(rayleigh)).isLessThanOrEqualTo(Math.abs(lambda) * (1 + 1e-6));
            }
            assertThat(Math.abs(lambda)).isGreaterThan(0);
        }
    }

    /** A fixture's float64 model with its Hessian-vector product and a scratch manager. */
    private static final class Loaded implements AutoCloseable {
        final Fixture fixture;
        final GraphModel model;
        final HessianVectorProduct hvp;
        final NDManager manager;

        Loaded(String name) {
            fixture = Fixture.load(name);
            Graph graph = OnnxImporter.read(fixture.onnx());
            model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
            hvp = new HessianVectorProduct(model);
            manager = model.manager().newSubManager();
        }

        NDArray firstSample() {
            float[] input = fixture.samples().get(0).input();
            double[] flat = new double[input.length];
            for (int i = 0; i < flat.length; i++) {
                flat[i] = input[i];
            }
            return manager.create(flat, new Shape(Shapes.withBatch(1, fixture.inputShape())));
        }

        @Override
        public void close() {
            manager.close();
            model.close();
        }
    }
}
