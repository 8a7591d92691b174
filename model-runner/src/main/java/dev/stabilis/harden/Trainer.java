package dev.stabilis.harden;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Trains a network on unit coordinates with cross-entropy plus the selected hardening penalties: DJL's Adam on
 * float64 parameters, seeded shuffling, and the penalties' gradients from DJL's autograd (PyTorch
 * engine) through the engine's explicit forward, backward, Hessian-vector and interval-bound computations.
 * Progress goes to a line consumer once per epoch.
 */
public final class Trainer {

    private final HardenSettings settings;
    private final Consumer<String> progress;

    public Trainer(HardenSettings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Trains and returns the network with its final parameters (rounded to float32).
     *
     * @param unitGraph the initial network on unit coordinates ({@link UnitScaling#onUnitBox})
     * @param train training rows in unit coordinates
     * @param test held-out rows in unit coordinates for the progress lines, or null
     */
    public Graph train(Graph unitGraph, Dataset train, Dataset test, Device device) {
        Graph graph = Float.isNaN(settings.smoothBeta()) ? unitGraph : unitGraph.reluSmoothed(settings.smoothBeta());
        Random random = new Random(settings.seed());
        List<Penalty> penalties = penalties(random);
        LinfAdversary adversary = settings.adversarial() ? new LinfAdversary(settings.adversarialEpsilon(), settings.adversarialSteps()) : null;
        int features = train.featureCount();
        int classes = train.classes();
        int batches = (train.size() + settings.batchSize() - 1) / settings.batchSize();
        double totalSteps = (double) settings.epochs() * batches;
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) settings.learningRate())).build();
        try (Parameters parameters = new Parameters(graph, device)) {
            int step = 0;
            for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
                long started = System.nanoTime();
                int[] order = shuffled(train.size(), random);
                double ce = 0;
                double[] terms = new double[penalties.size()];
                long correct = 0;
                for (int b = 0; b < batches; b++) {
                    int from = b * settings.batchSize();
                    int to = Math.min(train.size(), from + settings.batchSize());
                    double progress = step++ / totalSteps;
                    try (NDManager batch = parameters.newBatch()) {
                        NDArray x = rows(batch, train, order, from, to, features);
                        NDArray labels = labels(batch, train, order, from, to);
                        NDArray trainInput = x;
                        if (adversary != null) {
                            List<NDArray[]> frozen = parameters.copiesIn(batch); // outside the collector: not recorded
                            GraphModel model = GraphModel.withDenseArrays(graph, batch.newSubManager(), DataType.FLOAT64, frozen::get);
                            trainInput = adversary.perturb(model, x, labels);
                        }
                        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                            BoundNetwork network = new BoundNetwork(graph, parameters.copiesIn(batch), batch);
                            NDArray logits = network.model().forward(trainInput);
                            NDArray loss = logits.logSoftmax(1).mul(labels.oneHot(classes, DataType.FLOAT64)).sum(new int[] {1}).mean().neg();
                            ce += loss.getDouble() * (to - from);
                            correct += logits.argMax(1).eq(labels).sum().getLong();
                            for (int p = 0; p < penalties.size(); p++) {
                                NDArray term = penalties.get(p).of(network, x, labels, progress);
                                terms[p] += term.getDouble() * (to - from);
                                loss = loss.add(term);
                            }
                            collector.backward(loss);
                        }
                        parameters.update(adam, batch);
                    }
                }
                report(epoch, ce, terms, penalties, correct, train.size(), test == null ? Double.NaN : accuracy(parameters.snapshot(), test, device),
                        System.nanoTime() - started);
            }
            return parameters.snapshot();
        }
    }

    private List<Penalty> penalties(Random random) {
        List<Penalty> out = new ArrayList<>();
        if (settings.weightDecay() > 0) {
            out.add(new WeightDecay(settings.weightDecay()));
        }
        if (settings.hessianWeight() > 0) {
            out.add(new HessianNorm(settings.hessianWeight(), settings.hessianProbes(), settings.surrogateBeta(), new Random(random.nextLong())));
        }
        if (settings.certifiedWeight() > 0) {
            out.add(new CertifiedWidth(settings.certifiedWeight(), settings.certifiedEpsilon(), settings.epsilonRamp()));
        }
        if (settings.thicknessWeight() > 0) {
            out.add(new RankingThickness(settings.thicknessWeight(), settings.thicknessK()));
        }
        if (settings.protectionWeight() > 0) {
            out.add(new AttributionProtection(settings.protectionWeight(), settings.protectionEpsilon(), AttributionProtection.Similarity.COSINE,
                    new Random(random.nextLong())));
        }
        if (settings.kendallWeight() > 0) {
            out.add(new AttributionProtection(settings.kendallWeight(), settings.protectionEpsilon(), AttributionProtection.Similarity.KENDALL,
                    new Random(random.nextLong())));
        }
        return out;
    }

    private void report(int epoch, double ce, double[] terms, List<Penalty> penalties, long correct, int rows, double testAccuracy,
            long nanos) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  ce %.4f", epoch, settings.epochs(), ce / rows));
        for (int p = 0; p < penalties.size(); p++) {
            line.append(String.format(Locale.ROOT, "  %s %.4g", penalties.get(p).name(), terms[p] / rows));
        }
        line.append(String.format(Locale.ROOT, "  %s %.4f", settings.adversarial() ? "adv-acc" : "train-acc", (double) correct / rows));
        if (!Double.isNaN(testAccuracy)) {
            line.append(String.format(Locale.ROOT, "  test-acc %.4f", testAccuracy));
        }
        line.append(String.format(Locale.ROOT, "  (%.1f s)", nanos / 1e9));
        progress.accept(line.toString());
    }

    /** The share of rows a network classifies correctly. */
    public static double accuracy(Graph graph, Dataset data, Device device) {
        try (GraphModel model = GraphModel.load(graph, device, DataType.FLOAT32); NDManager batch = model.manager().newSubManager()) {
            long[] predicted = model.predict(batch.create(flatten(data.features()), new Shape(data.size(), data.featureCount()))).toLongArray();
            int correct = 0;
            for (int i = 0; i < predicted.length; i++) {
                if (predicted[i] == data.labels()[i]) {
                    correct++;
                }
            }
            return (double) correct / data.size();
        }
    }

    static float[] flatten(float[][] rows) {
        int n = rows.length == 0 ? 0 : rows[0].length;
        float[] out = new float[rows.length * n];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, out, r * n, n);
        }
        return out;
    }

    private static int[] shuffled(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static NDArray rows(NDManager batch, Dataset data, int[] order, int from, int to, int features) {
        double[] flat = new double[(to - from) * features];
        for (int r = from; r < to; r++) {
            float[] row = data.features()[order[r]];
            for (int i = 0; i < features; i++) {
                flat[(r - from) * features + i] = row[i];
            }
        }
        return batch.create(flat, new Shape(to - from, features));
    }

    private static NDArray labels(NDManager batch, Dataset data, int[] order, int from, int to) {
        long[] y = new long[to - from];
        for (int r = from; r < to; r++) {
            y[r - from] = data.labels()[order[r]];
        }
        return batch.create(y);
    }
}
