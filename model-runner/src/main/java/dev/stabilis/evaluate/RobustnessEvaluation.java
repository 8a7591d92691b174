package dev.stabilis.evaluate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.attack.AttackMethod;
import dev.stabilis.attack.AttackResult;
import dev.stabilis.attack.ExplanationAttack;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import dev.stabilis.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates a loaded model on labelled rows: accuracy of its predictions, and at each ε the certified top-k
 * fraction ({@link Certifier}) and the success of the top-k explanation attack ({@link ExplanationAttack}) in
 * the same box, plus the median certified radius. Certification and attack settings other than ε and k
 * (target score, domain, radius search, attack steps and seed) come from the model's policy.
 */
public final class RobustnessEvaluation {

    private RobustnessEvaluation() {}

    /**
     * @param epsilons box half-widths, each a finite number &gt;= 0
     * @param k size of the top-k set
     * @param method the gradient-bound method of the certificates: {@code interval} or {@code linear}
     * @throws IllegalArgumentException when the rows do not fit the model, no ε is given or the method is unknown
     */
    public static RobustnessSummary evaluate(LoadedModel loaded, LabelledRows data, double[] epsilons, int k, String method) {
        if (epsilons.length == 0) {
            throw new IllegalArgumentException("at least one epsilon is required");
        }
        Graph graph = loaded.requireGraph();
        checkRows(loaded, data, k);
        float[][] rows = data.features();
        double accuracy = accuracy(loaded, data);
        List<RobustnessSummary.AtEpsilon> perEpsilon = new ArrayList<>();
        double[] radii = null;
        double radiusMax = Double.NaN;
        try (GradientBounds bounds = loaded.gradientBounds(method, null)) {
            for (double epsilon : epsilons) {
                CertifySettings settings = loaded.certifySettings(epsilon, k, null, null, null, null, radii == null);
                List<CertifiedSample> certified = new Certifier(bounds, settings).certify(rows);
                if (radii == null) {
                    radii = certified.stream().mapToDouble(s -> s.certificate().radius()).sorted().toArray();
                    radiusMax = settings.radiusMax();
                }
                List<AttackResult> attacked;
                try (ExplanationAttack attack = new ExplanationAttack(graph, loaded.model().device(),
                        loaded.attackSettings(AttackMethod.TOPK.label(), epsilon, k))) {
                    attacked = attack.attack(rows);
                }
                perEpsilon.add(new RobustnessSummary.AtEpsilon(epsilon,
                        fraction(certified.stream().filter(s -> s.certificate().topk()).count(), rows.length),
                        fraction(attacked.stream().filter(AttackResult::success).count(), rows.length),
                        attacked.stream().mapToDouble(r -> r.metrics().topkIntersection()).average().orElseThrow()));
            }
        }
        // the upper median, as the summary of stabilis certify --radius
        return new RobustnessSummary(rows.length, accuracy, k, radii[radii.length / 2], radiusMax, perEpsilon);
    }

    private static void checkRows(LoadedModel loaded, LabelledRows data, int k) {
        int features = loaded.inputSize();
        if (data.features()[0].length != features) {
            throw new IllegalArgumentException("the data has " + data.features()[0].length + " features per sample, model "
                    + loaded.artifact() + " expects " + features);
        }
        if (k > features) {
            throw new IllegalArgumentException("k = " + k + " exceeds the " + features + " features of model " + loaded.artifact());
        }
        int classes = loaded.model().classes();
        for (int i = 0; i < data.size(); i++) {
            if (data.labels()[i] >= classes) {
                throw new IllegalArgumentException("sample " + i + " has class " + data.labels()[i] + ", model "
                        + loaded.artifact() + " has " + classes + " classes");
            }
        }
    }

    private static double accuracy(LoadedModel loaded, LabelledRows data) {
        float[] flat = new float[data.size() * loaded.inputSize()];
        for (int i = 0; i < data.size(); i++) {
            System.arraycopy(data.features()[i], 0, flat, i * loaded.inputSize(), loaded.inputSize());
        }
        long[] predicted;
        try (NDManager batch = loaded.model().manager().newSubManager()) {
            predicted = loaded.model().predict(batch.create(flat, new Shape(Shapes.withBatch(data.size(), loaded.model().inputShape()))))
                    .toLongArray();
        }
        long correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == data.labels()[i]) {
                correct++;
            }
        }
        return fraction(correct, data.size());
    }

    private static double fraction(long count, int total) {
        return (double) count / total;
    }
}
