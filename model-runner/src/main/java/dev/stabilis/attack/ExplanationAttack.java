package dev.stabilis.attack;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.certify.Certificates;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.certify.InputDomain;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.Gradients;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Manipulates gradient explanations inside the certificate's box (ALGORITHMS.md §3.2): projected sign descent
 * of an explanation loss, all samples of a batch at once. Steps follow the input gradient of the loss,
 * {@code H · ∂ℓ/∂g}, from exact Hessian-vector products of a smooth surrogate (ReLU replaced by softplus(β));
 * every iterate is judged on the real model, and only iterates that keep the predicted class count. The class
 * constraint is enforced by that selection, not by a penalty in the loss.
 */
public final class ExplanationAttack implements AutoCloseable {

    /** Samples per batch. */
    public static final int ROWS_PER_PASS = 256;

    /** The network in float64, which judges every iterate and gives the gradients the loss compares. */
    private final GraphModel judge;
    /** The smooth surrogate and its Hessian-vector products; null for noise, which takes no gradient steps. */
    private final GraphModel surrogateModel;
    private final HessianVectorProduct surrogate;
    private final AttackSettings settings;
    private final long[] inputShape;
    private final InputDomain domain;

    /**
     * @param graph the network's layer graph, from which the judge and the surrogate are built
     * @param device where the attack computes
     */
    public ExplanationAttack(Graph graph, Device device, AttackSettings settings) {
        if (settings.k() > graph.inputSize()) {
            throw new IllegalArgumentException("k = " + settings.k() + " exceeds the model's " + graph.inputSize() + " features");
        }
        this.settings = settings;
        this.inputShape = graph.inputSampleShape();
        this.domain = new InputDomain(settings.domainMin(), settings.domainMax(), graph.inputSize());
        this.judge = GraphModel.load(graph, device, DataType.FLOAT64);
        if (settings.method() == AttackMethod.NOISE) {
            this.surrogateModel = null;
            this.surrogate = null;
        } else {
            Graph smooth = graph.reluSmoothed(settings.beta());
            this.surrogateModel = GraphModel.load(smooth, device, DataType.FLOAT64);
            this.surrogate = new HessianVectorProduct(surrogateModel);
        }
    }

    /** Attacks every sample (each of the model's input size). */
    public List<AttackResult> attack(float[][] rows) {
        List<AttackResult> out = new ArrayList<>(rows.length);
        for (int start = 0; start < rows.length; start += ROWS_PER_PASS) {
            out.addAll(attackBatch(Arrays.copyOfRange(rows, start, Math.min(rows.length, start + ROWS_PER_PASS))));
        }
        return out;
    }

    private List<AttackResult> attackBatch(float[][] rows) {
        int n = rows.length;
        SampleBoxes boxes = new SampleBoxes(rows, settings.epsilon(), domain, settings.seed());
        Shape shape = new Shape(Shapes.withBatch(n, inputShape));
        float[] samples = flatten(rows);
        try (NDManager batch = judge.manager().newSubManager()) {
            NDArray x0 = batch.create(samples, shape).toType(DataType.FLOAT64, false);
            Gradients atSamples = judge.gradients(x0, null, settings.kind());
            NDArray classes = atSamples.classes();
            long[] predicted = classes.toLongArray();
            double[] attributions = toDoubles(atSamples.gradient());
            StrongestFound found = new StrongestFound(settings.method(), samples, predicted, attributions, settings.k());
            UnaryOperator<NDArray> lossGradient = lossGradient(x0, atSamples, attributions, n);
            for (int restart = 0; restart < settings.restarts() && !found.done(); restart++) {
                float[] x = restart == 0 ? samples : boxes.uniform();
                for (int step = 0; step < settings.steps() && !found.done(); step++) {
                    x = settings.method() == AttackMethod.NOISE ? boxes.uniform() : descend(batch, boxes, x, shape, classes, lossGradient);
                    boxes.requireInside(x);
                    judge(batch, x, shape, classes, found);
                }
            }
            List<AttackResult> out = new ArrayList<>(n);
            for (int r = 0; r < n; r++) {
                out.add(found.result(r));
            }
            return out;
        }
    }

    private float[] descend(NDManager batch, SampleBoxes boxes, float[] x, Shape shape, NDArray classes,
            UnaryOperator<NDArray> lossGradient) {
        try (NDManager step = batch.newSubManager()) {
            NDArray at = step.create(x, shape).toType(DataType.FLOAT64, false);
            NDArray direction = surrogate.apply(at, classes, settings.kind(), lossGradient);
            return boxes.descend(x, direction.toDoubleArray(), settings.effectiveStepSize());
        }
    }

    private void judge(NDManager batch, float[] x, Shape shape, NDArray classes, StrongestFound found) {
        try (NDManager step = batch.newSubManager()) {
            Gradients at = judge.gradients(step.create(x, shape).toType(DataType.FLOAT64, false), classes, settings.kind());
            found.record(x, at.logits().argMax(1).toLongArray(), toDoubles(at.gradient()));
        }
    }

    /** {@code ∂ℓ/∂g} of the method's explanation loss, as a function of the surrogate's gradient g. */
    private UnaryOperator<NDArray> lossGradient(NDArray x, Gradients atSamples, double[] attributions, int n) {
        int size = attributions.length / n;
        switch (settings.method()) {
            case TOPK -> {
                double[] weights = new double[attributions.length];
                int k = settings.k();
                for (int r = 0; r < n; r++) {
                    int[] ranked = Certificates.topK(Arrays.copyOfRange(attributions, r * size, (r + 1) * size), Math.min(size, 2 * k));
                    for (int place = 0; place < ranked.length; place++) {
                        weights[r * size + ranked[place]] = place < k ? 1 : -1;
                    }
                }
                NDArray topk = x.getManager().create(weights, x.getShape());
                return g -> g.sign().muli(topk);
            }
            case TARGETED -> {
                NDArray target = target(x, atSamples);
                return g -> g.sub(target).muli(2);
            }
            default -> {
                return null; // noise takes no steps
            }
        }
    }

    /** The runner-up class's gradient at the sample, scaled to the norm of the predicted class's gradient. */
    private NDArray target(NDArray x, Gradients atSamples) {
        if (judge.classes() < 2) {
            throw new IllegalArgumentException("the targeted attack needs a model with at least two classes");
        }
        NDArray logits = atSamples.logits();
        NDArray predicted = atSamples.classes().oneHot(judge.classes(), logits.getDataType());
        NDArray runnerUp = logits.sub(predicted.muli(Float.MAX_VALUE)).argMax(1);
        NDArray target = judge.gradients(x, runnerUp, settings.kind()).gradient();
        long n = x.getShape().get(0);
        long[] perRow = Shapes.perRow(n, x.getShape().dimension());
        NDArray scale = norms(atSamples.gradient(), n).div(norms(target, n).maximum(Float.MIN_NORMAL)).reshape(perRow);
        return target.mul(scale);
    }

    private static NDArray norms(NDArray v, long n) {
        return v.reshape(n, -1).square().sum(new int[] {1}).sqrt();
    }

    private static float[] flatten(float[][] rows) {
        int size = rows[0].length;
        float[] flat = new float[rows.length * size];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * size, size);
        }
        return flat;
    }

    private static double[] toDoubles(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    @Override
    public void close() {
        judge.close();
        if (surrogateModel != null) {
            surrogateModel.close();
        }
    }
}
