package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.graph.Shapes;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Gradient bounds over each sample's box, tightened by input splitting as a branch and bound ({@link Splitting}). The
 * whole boxes are bounded first. Then, round by round, every leaf (sub-box) of a sample whose top-k set is not yet
 * certified is bisected along the feature with the largest width × gradient-magnitude bound, the new leaves of all such
 * samples in one bound pass, until the set is certified, the sample has the most leaves allowed, or the next round's
 * expected cost would take the call past its time budget ({@code budgetMs} per sample; each round's cost per leaf is
 * expected to be the last round's). A sample's bounds are the union over its leaves, intersected with those of every
 * earlier round: each is sound over the whole box (the leaves cover it), so their intersection is.
 */
final class InputSplitting {

    private final GradientBounds bounds;
    private final CertifySettings settings;
    private final int size;

    InputSplitting(GradientBounds bounds, CertifySettings settings) {
        this.bounds = bounds;
        this.settings = settings;
        this.size = bounds.graph().inputSize();
    }

    /**
     * Bounds over the boxes {@code [lower, upper]}, split as the settings allow.
     *
     * @param classes {@code [N]} the class whose score's gradient is bounded, per box
     * @param gradient {@code N × size} the gradient at each sample, whose top-k set decides when splitting may stop
     */
    BoxBounds bound(NDArray lower, NDArray upper, NDArray classes, double[] gradient) {
        long start = System.nanoTime();
        int n = (int) lower.getShape().get(0);
        IntervalBounds whole = bounds.bounds(lower, upper, classes, settings.kind(), settings.paramGamma());
        double[] gradientLower = whole.gradientLower().toDoubleArray();
        double[] gradientUpper = whole.gradientUpper().toDoubleArray();
        BoxBounds result = BoxBounds.unsplit(gradientLower, gradientUpper, whole.logitLower().toDoubleArray(),
                whole.logitUpper().toDoubleArray(), n);
        Splitting splitting = settings.splitting();
        if (splitting.maxLeaves() == 1) {
            return result;
        }
        int[] open = uncertified(result, gradient, IntStream.range(0, n).toArray());
        if (open.length == 0) {
            return result;
        }
        Leaves leaves = new Leaves(IntStream.range(0, n).toArray(), lower.toDoubleArray(), upper.toDoubleArray(),
                gradientLower, gradientUpper, result.logitLower(), result.logitUpper()).of(open);
        long[] predicted = classes.toLongArray();
        double budgetNanos = n * splitting.budgetMs() * 1e6;
        double nanosPerLeaf = (double) (System.nanoTime() - start) / n;
        for (int perSample = 2; perSample <= splitting.maxLeaves() && open.length > 0; perSample *= 2) {
            long roundStart = System.nanoTime();
            int count = 2 * leaves.count();
            if (roundStart - start + nanosPerLeaf * count > budgetNanos) {
                break;
            }
            leaves = bisect(leaves, predicted, lower.getManager(), lower.getShape().slice(1));
            nanosPerLeaf = (double) (System.nanoTime() - roundStart) / count;
            for (int s : open) {
                result.leaves()[s] = perSample;
            }
            result.intersectWithUnion(leaves, size);
            open = uncertified(result, gradient, open);
            leaves = leaves.of(open);
        }
        return result;
    }

    /** The samples among {@code candidates} whose top-k set the bounds do not certify. */
    private int[] uncertified(BoxBounds result, double[] gradient, int[] candidates) {
        return Arrays.stream(candidates).filter(s -> !Certificates.topkCertified(row(gradient, s, size),
                row(result.lower(), s, size), row(result.upper(), s, size), settings.k())).toArray();
    }

    /** Every leaf cut in two along its widest-influence feature, and the bounds over the halves in one pass. */
    private Leaves bisect(Leaves parents, long[] predicted, NDManager manager, Shape sampleShape) {
        int count = 2 * parents.count();
        int[] owner = new int[count];
        double[] lower = new double[count * size];
        double[] upper = new double[count * size];
        long[] classes = new long[count];
        for (int leaf = 0; leaf < parents.count(); leaf++) {
            int feature = widestInfluence(parents, leaf);
            int at = leaf * size;
            double middle = (parents.lower[at + feature] + parents.upper[at + feature]) / 2;
            for (int half = 0; half < 2; half++) {
                int child = 2 * leaf + half;
                owner[child] = parents.owner[leaf];
                classes[child] = predicted[owner[child]];
                System.arraycopy(parents.lower, at, lower, child * size, size);
                System.arraycopy(parents.upper, at, upper, child * size, size);
            }
            upper[2 * leaf * size + feature] = middle;
            lower[(2 * leaf + 1) * size + feature] = middle;
        }
        Shape shape = new Shape(Shapes.withBatch(count, sampleShape.getShape()));
        try (NDManager pass = manager.newSubManager()) {
            IntervalBounds b = bounds.bounds(pass.create(lower, shape), pass.create(upper, shape), pass.create(classes),
                    settings.kind(), settings.paramGamma());
            return new Leaves(owner, lower, upper, b.gradientLower().toDoubleArray(), b.gradientUpper().toDoubleArray(),
                    b.logitLower().toDoubleArray(), b.logitUpper().toDoubleArray());
        }
    }

    /** The feature with the largest width × gradient-magnitude bound in a leaf (the first of equals). */
    private int widestInfluence(Leaves leaves, int leaf) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < size; f++) {
            int i = leaf * size + f;
            double score = (leaves.upper[i] - leaves.lower[i])
                    * Math.max(Math.abs(leaves.gradientLower[i]), Math.abs(leaves.gradientUpper[i]));
            if (score > bestScore) {
                best = f;
                bestScore = score;
            }
        }
        return best;
    }

    static double[] row(double[] flat, int row, int width) {
        return Arrays.copyOfRange(flat, row * width, (row + 1) * width);
    }

    /** Sub-boxes on the host, each with the sample it belongs to and the bounds over it; flat, leaf-major. */
    record Leaves(int[] owner, double[] lower, double[] upper, double[] gradientLower, double[] gradientUpper,
            double[] logitLower, double[] logitUpper) {

        int count() {
            return owner.length;
        }

        /** The leaves of the given samples, in their order. */
        Leaves of(int[] samples) {
            boolean[] keep = new boolean[Arrays.stream(owner).max().orElse(-1) + 1];
            for (int s : samples) {
                if (s < keep.length) {
                    keep[s] = true;
                }
            }
            int[] kept = IntStream.range(0, count()).filter(leaf -> keep[owner[leaf]]).toArray();
            int width = lower.length / Math.max(1, count());
            int classes = logitLower.length / Math.max(1, count());
            return new Leaves(Arrays.stream(kept).map(leaf -> owner[leaf]).toArray(), rows(lower, kept, width),
                    rows(upper, kept, width), rows(gradientLower, kept, width), rows(gradientUpper, kept, width),
                    rows(logitLower, kept, classes), rows(logitUpper, kept, classes));
        }

        private static double[] rows(double[] flat, int[] kept, int width) {
            double[] out = new double[kept.length * width];
            for (int i = 0; i < kept.length; i++) {
                System.arraycopy(flat, kept[i] * width, out, i * width, width);
            }
            return out;
        }
    }

    /**
     * Each sample's bounds on the host, flat and sample-major.
     *
     * @param classes the logits per sample
     * @param leaves the sub-boxes each sample's bounds were taken over (1: its box, unsplit)
     */
    record BoxBounds(double[] lower, double[] upper, double[] logitLower, double[] logitUpper, int classes, int[] leaves) {

        /** The bounds of {@code rows} whole boxes (one leaf each), flat by row. */
        static BoxBounds unsplit(double[] lower, double[] upper, double[] logitLower, double[] logitUpper, int rows) {
            int[] ones = new int[rows];
            Arrays.fill(ones, 1);
            return new BoxBounds(lower, upper, logitLower, logitUpper, logitLower.length / rows, ones);
        }

        /** Narrows each leaf owner's bounds to the union over its leaves (all of them, covering its box). */
        void intersectWithUnion(Leaves leaves, int size) {
            narrow(lower, upper, leaves.gradientLower(), leaves.gradientUpper(), leaves.owner(), size);
            narrow(logitLower, logitUpper, leaves.logitLower(), leaves.logitUpper(), leaves.owner(), classes);
        }

        private static void narrow(double[] lower, double[] upper, double[] leafLower, double[] leafUpper, int[] owner,
                int width) {
            double[] unionLower = new double[lower.length];
            double[] unionUpper = new double[upper.length];
            Arrays.fill(unionLower, Double.POSITIVE_INFINITY);
            Arrays.fill(unionUpper, Double.NEGATIVE_INFINITY);
            boolean[] split = new boolean[lower.length / width];
            for (int leaf = 0; leaf < owner.length; leaf++) {
                split[owner[leaf]] = true;
                for (int i = 0, at = owner[leaf] * width; i < width; i++) {
                    unionLower[at + i] = Math.min(unionLower[at + i], leafLower[leaf * width + i]);
                    unionUpper[at + i] = Math.max(unionUpper[at + i], leafUpper[leaf * width + i]);
                }
            }
            for (int i = 0; i < lower.length; i++) {
                if (split[i / width]) {
                    lower[i] = Math.max(lower[i], unionLower[i]);
                    upper[i] = Math.min(upper[i], unionUpper[i]);
                }
            }
        }
    }
}
