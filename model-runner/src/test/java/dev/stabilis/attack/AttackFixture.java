package dev.stabilis.attack;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.evaluate.LabelledRows;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Graph;
import dev.stabilis.model.ModelLoader;
import dev.stabilis.model.ModelPolicy;
import dev.stabilis.model.PolicyReader;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** A fixture network ready to attack: its graph, its float32 model (the judge) and its policy's domain. */
record AttackFixture(Fixture fixture, Graph graph, GraphModel model, ModelPolicy policy) implements AutoCloseable {

    private static final String DIGITS_TEST_ROWS = "/stability/digits-test-rows.csv";

    static AttackFixture load(String name) {
        Fixture fixture = Fixture.load(name);
        Graph graph = OnnxImporter.read(fixture.onnx());
        ModelPolicy policy = PolicyReader.read(fixture.directory().resolve(ModelLoader.POLICY_FILE));
        return new AttackFixture(fixture, graph, GraphModel.load(graph, Device.cpu(), DataType.FLOAT32), policy);
    }

    AttackSettings settings(AttackMethod method, double epsilon, int k, int steps) {
        return new AttackSettings(method, epsilon, k, TargetKind.LOGIT, steps, Double.NaN, 1, 7, 10f, policy.domainMin(),
                policy.domainMax());
    }

    /** The first 64 held-out digits (grey levels / 16, as the fixtures were trained). */
    static float[][] digitsTestRows() {
        try (InputStream in = AttackFixture.class.getResourceAsStream(DIGITS_TEST_ROWS)) {
            return LabelledRows.readCsv(in, DIGITS_TEST_ROWS, false, 1 / 16.0).features();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixture's held-out rows, reshaped for its input: 64 digits for digits models, else the 8 reference samples. */
    float[][] rows() {
        return fixture.name().startsWith("digits") ? digitsTestRows() : fixture.inputs();
    }

    @Override
    public void close() {
        model.close();
    }
}
