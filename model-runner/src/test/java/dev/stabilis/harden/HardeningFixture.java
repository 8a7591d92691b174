package dev.stabilis.harden;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.stabilis.graph.Graph;
import java.nio.file.Path;

/**
 * One data set set up for hardening tests the way {@code stabilis harden} sets it up: the project's copy of the
 * data, a seeded split, a seeded MLP on unit coordinates, and a plain model trained once with the budget every
 * hardened model of the tests gets.
 */
final class HardeningFixture {

    static final Device CPU = Device.cpu();
    /** Measurement box (fraction of each feature's range), top-k size and attack budget shared by the tests. */
    static final double EPSILON = 0.05;
    static final double CERTIFY_EPSILON = 0.01;
    static final int K = 5;
    static final int ROWS = 100;
    static final int ATTACK_ROWS = 50;
    static final int ATTACK_STEPS = 20;
    static final float BETA = 10f;
    static final long SEED = 3;

    private static HardeningFixture digits;
    private static HardeningFixture breastCancer;

    final String name;
    final UnitScaling scaling;
    final Graph initial;
    final Dataset train;
    final Dataset test;
    final HardenSettings plainSettings;
    final Graph plain;

    private HardeningFixture(String name, Dataset data, String domain, String architecture, boolean standardize, int epochs) {
        this.name = name;
        this.scaling = UnitScaling.parse(domain, data);
        Dataset.Split split = data.split(0.2, 1);
        this.initial = scaling.onUnitBox(Architecture.parse(architecture).build(data.featureCount(), data.classes(),
                standardize ? Architecture.standardization(split.train()) : null, 1));
        this.train = scaling.toUnit(split.train());
        this.test = scaling.toUnit(split.test());
        this.plainSettings = HardenSettings.plain(epochs, 64, 2e-3, 1);
        this.plain = train(plainSettings);
    }

    /** Digits (grey levels / 16, domain 0..1), an MLP 64-32-32-10 with ReLU, 15 epochs. */
    static synchronized HardeningFixture digits() {
        if (digits == null) {
            oneThread();
            digits = new HardeningFixture("digits", Dataset.readCsv(Path.of("../tools/fixtures/data/digits.csv.gz"), false, 1.0 / 16),
                    "0:1", "mlp:32-32:relu", false, 15);
        }
        return digits;
    }

    /** Breast cancer (raw features, domain the data's per-feature range), standardised MLP 30-16-16-2 with ReLU, 30 epochs. */
    static synchronized HardeningFixture breastCancer() {
        if (breastCancer == null) {
            oneThread();
            breastCancer = new HardeningFixture("breast cancer", Dataset.readCsv(Path.of("../tools/fixtures/data/breast_cancer.csv"), true, 1),
                    "data", "mlp:16-16:relu", true, 30);
        }
        return breastCancer;
    }

    /**
     * One intra-op thread: training takes thousands of small steps, and on a shared 2-core machine two OpenMP
     * threads spinning against each other made them several times slower. The engine keeps the setting for the
     * rest of the test run, which does not change any result.
     */
    private static void oneThread() {
        Engine.getEngine("PyTorch"); // loads the native library
        JniUtils.setNumThreads(1);
    }

    Graph train(HardenSettings settings) {
        return new Trainer(settings, line -> {}).train(initial, train, null, CPU);
    }

    Dataset rows() {
        return test.head(ROWS);
    }

    double accuracy(Graph graph) {
        return Trainer.accuracy(graph, test, CPU);
    }

    double curvature(Graph graph) {
        return Robustness.meanCurvature(graph, rows(), BETA, SEED, CPU);
    }

    double hessianNorm(Graph graph) {
        return Robustness.hessianNorm(graph, rows(), BETA, 4, SEED, CPU);
    }

    double attackIntersection(Graph graph) {
        return Robustness.attackIntersection(graph, rows().head(ATTACK_ROWS), EPSILON, K, ATTACK_STEPS, BETA, SEED, CPU);
    }

    double certifiedFraction(Graph graph) {
        return Robustness.certifiedFraction(graph, rows(), CERTIFY_EPSILON, K, CPU);
    }

    double gini(Graph graph) {
        return Robustness.meanGini(graph, rows(), CPU);
    }

    /** A line for the test log: the figure for plain and hardened. */
    void log(String method, String figure, double plainValue, double hardenedValue) {
        System.out.printf(java.util.Locale.ROOT, "[harden] %s %s: %s plain %.4f hardened %.4f%n", name, method, figure, plainValue, hardenedValue);
    }
}
