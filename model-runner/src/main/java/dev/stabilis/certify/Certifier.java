package dev.stabilis.certify;

import static dev.stabilis.certify.InputSplitting.row;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.Gradients;
import dev.stabilis.engine.HostDenseNetwork;
import dev.stabilis.engine.HostThreads;
import dev.stabilis.engine.IntraOpThreads;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Certifies host rows: builds each sample's box {@code [x − ε, x + ε]} clipped to the domain, bounds the
 * gradient of the predicted class's score over it, derives the certificates and, when asked, the certified
 * radius by a batched bisection on ε. Input splitting, when enabled, tightens the bounds of the samples whose
 * top-k set the whole box does not certify ({@link InputSplitting}).
 */
public final class Certifier {

    /**
     * The most rows (boxes, after splitting multiplies them) one bound pass holds, whatever memory allows: past a
     * few thousand rows a pass's fixed cost (its ~120 native calls) is paid off, and a larger one only delays the rows.
     */
    public static final int ROWS_PER_PASS = 4096;

    /** The memory one bound pass takes unless the caller gives a budget: 1 GiB. */
    public static final long DEFAULT_PASS_MEMORY_BYTES = 1L << 30;

    /**
     * float64 arrays of each value's size that an interval bound pass holds at its peak: measured 16 on the ResNet-18
     * fixture, with a margin. Centre and radius of every value and of its adjoint live until the pass ends, and the
     * temporaries of the rule that runs (each node's are freed when its boxes are made: {@link NodeScope}).
     */
    private static final long BOUND_ARRAYS_PER_VALUE = 20;

    private final GradientBounds bounds;
    private final CertifySettings settings;
    private final int size;
    private final InputDomain domain;
    private final int rowsPerPass;
    private final InputSplitting splitting;
    /** The bounds' host pass for the calls it takes, where it computes what the bounds would ({@link HostIntervalPass}), else null. */
    private final HostIntervalPass host;

    /** A certifier whose bound passes hold the boxes {@link #DEFAULT_PASS_MEMORY_BYTES} affords ({@link #rowsPerPass}). */
    public Certifier(GradientBounds bounds, CertifySettings settings) {
        this(bounds, settings, rowsPerPass(bounds.graph(), DEFAULT_PASS_MEMORY_BYTES));
    }

    /**
     * A certifier whose bound passes hold up to {@code rowsPerPass} boxes (see {@link #rowsPerPass(Graph, long)}).
     *
     * @throws IllegalArgumentException for fewer than 1
     */
    public Certifier(GradientBounds bounds, CertifySettings settings, int rowsPerPass) {
        if (rowsPerPass < 1) {
            throw new IllegalArgumentException("a bound pass must hold at least 1 row, got " + rowsPerPass);
        }
        this.bounds = bounds;
        this.settings = settings;
        this.size = bounds.graph().inputSize();
        this.domain = new InputDomain(settings.domainMin(), settings.domainMax(), size);
        this.rowsPerPass = rowsPerPass;
        this.splitting = new InputSplitting(bounds, settings);
        this.host = settings.kind() == TargetKind.LOGIT && settings.splitting().maxLeaves() == 1
                ? HostIntervalPass.of(bounds).orElse(null) : null;
    }

    /**
     * Estimated bytes one box of an interval bound pass takes at its peak: {@value #BOUND_ARRAYS_PER_VALUE} float64
     * arrays of every value of the graph ({@link Graph#valuesPerSample()}). Measured on the ResNet-18 fixture: 15 MiB
     * per box between 64 and 128 boxes above the process's resident set ({@code bench/pass-memory.sh}, BENCHMARKS.md);
     * other graphs keep other temporaries.
     */
    public static long bytesPerBox(Graph graph) {
        return Math.multiplyExact(graph.valuesPerSample(), BOUND_ARRAYS_PER_VALUE * Double.BYTES);
    }

    /**
     * The most boxes one bound pass of this graph may hold under {@code budgetBytes} ({@link #bytesPerBox}), at least
     * 1, at most {@link #ROWS_PER_PASS}.
     *
     * @throws IllegalArgumentException for a budget under one byte
     */
    public static int rowsPerPass(Graph graph, long budgetBytes) {
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("a pass memory budget must be at least 1 byte, got " + budgetBytes);
        }
        return (int) Math.max(1, Math.min(ROWS_PER_PASS, budgetBytes / bytesPerBox(graph)));
    }

    /** The most boxes one of this certifier's bound passes holds (split leaves included). */
    public int rowsPerPass() {
        return rowsPerPass;
    }

    /** Certifies every row (each of the model's input size). */
    public List<CertifiedSample> certify(float[][] rows) {
        List<CertifiedSample> out = new ArrayList<>(rows.length);
        int perPass = Math.max(1, rowsPerPass / settings.splitting().maxLeaves());
        for (int start = 0; start < rows.length; start += perPass) {
            out.addAll(certifyChunk(rows, start, Math.min(rows.length, start + perPass)));
        }
        return out;
    }

    private List<CertifiedSample> certifyChunk(float[][] rows, int start, int end) {
        int n = end - start;
        double[] flat = new double[n * size];
        for (int i = 0; i < n; i++) {
            if (rows[start + i].length != size) {
                throw new IllegalArgumentException("sample " + (start + i) + " has " + rows[start + i].length
                        + " features, the model expects " + size);
            }
            for (int f = 0; f < size; f++) {
                flat[i * size + f] = rows[start + i][f];
            }
        }
        int hostThreads = host == null ? 0 : host.threadsFor(n);
        if (hostThreads > 0) {
            return HostThreads.inRanges(n, hostThreads, (from, to) -> certifyOnHost(rows(flat, from, to), to - from));
        }
        int rowThreads = rowThreadsFor(n);
        if (rowThreads <= 1) {
            return certifyOnDevice(flat, n);
        }
        return HostThreads.inRanges(n, rowThreads, (from, to) -> {
            try (IntraOpThreads alone = IntraOpThreads.alone()) {
                return certifyOnDevice(rows(flat, from, to), to - from);
            }
        });
    }

    /** Rows {@code [from, to)} of flat rows. */
    private double[] rows(double[] flat, int from, int to) {
        return java.util.Arrays.copyOfRange(flat, from * size, to * size);
    }

    /**
     * The threads a call of {@code n} rows splits its rows over ({@link HostThreads#forRows}) when the linear method
     * computes them as tensor ops on a CPU, each range a pass of its own on one intra-op thread
     * ({@link IntraOpThreads#alone}): its passes are hundreds of small operators, whose dispatch leaves the other cores
     * idle inside one pass. 1 otherwise: on a GPU; for the interval method's tensor pass, which measured no faster split
     * (BENCHMARKS.md, "Rows of the linear method split over threads"); and with α steps, whose optimisation records
     * through DJL's gradient collector, of which a process may have one at a time.
     */
    int rowThreadsFor(int n) {
        boolean split = !bounds.model().device().isGpu() && bounds.method().equals(GradientBounds.LINEAR)
                && bounds.alphaSteps().orElse(0) == 0;
        return split ? HostThreads.forRows(n, bounds.graph().multiplyAddsPerSample()) : 1;
    }

    private List<CertifiedSample> certifyOnDevice(double[] flat, int n) {
        try (NDManager batch = bounds.model().manager().newSubManager()) {
            NDArray x = batch.create(flat, new Shape(Shapes.withBatch(n, bounds.graph().inputSampleShape())));
            Gradients atSample = bounds.model().gradients(x, null, settings.kind());
            NDArray classes = atSample.classes();
            double[] gradient = atSample.gradient().toDoubleArray();
            InputSplitting.BoxBounds result = boundsAt(x, bounds.model().scalars().of(settings.epsilon()), classes, gradient);
            int[] predicted = java.util.Arrays.stream(classes.toLongArray()).mapToInt(Math::toIntExact).toArray();
            double[] radius = settings.radius() ? radius(n, gradient, probe -> {
                try (NDManager pass = x.getManager().newSubManager()) { // the arrays of one bound pass at a time
                    NDArray epsilon = pass.create(probe, new Shape(Shapes.perRow(n, x.getShape().dimension())));
                    return boundsAt(copyTo(pass, x), epsilon, copyTo(pass, classes), gradient);
                }
            }) : null;
            // the certificates of each row are independent Java work: on the host threads, which the tensor ops left idle
            return HostThreads.inRanges(n, HostThreads.forRows(n, bounds.graph().multiplyAddsPerSample()),
                    (from, to) -> samples(from, to, predicted, gradient, result, radius));
        }
    }

    /** {@link #certifyOnDevice} for rows of a dense ReLU network, on the host ({@link HostIntervalPass}): one range of the host threads. */
    private List<CertifiedSample> certifyOnHost(double[] x, int n) {
        HostDenseNetwork.RowGradients point = host.point(x, n);
        double[] epsilon = new double[n];
        java.util.Arrays.fill(epsilon, settings.epsilon());
        InputSplitting.BoxBounds result = hostBoundsAt(x, epsilon, point.classes());
        double[] radius = settings.radius()
                ? radius(n, point.gradient(), probe -> hostBoundsAt(x, probe, point.classes())) : null;
        return samples(0, n, point.classes(), point.gradient(), result, radius);
    }

    /** Bounds over the boxes of half-width {@code epsilon[i]} around each row {@code i}, clipped to the domain, on the host. */
    private InputSplitting.BoxBounds hostBoundsAt(double[] x, double[] epsilon, int[] classes) {
        int n = epsilon.length;
        double[] lower = new double[x.length];
        double[] upper = new double[x.length];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < size; f++) {
                lower[i * size + f] = domain.lower(f, x[i * size + f], epsilon[i]);
                upper[i * size + f] = domain.upper(f, x[i * size + f], epsilon[i]);
            }
        }
        HostIntervalPass.Bounds b = host.bounds(lower, upper, classes, n, settings.paramGamma());
        return InputSplitting.BoxBounds.unsplit(b.gradientLower(), b.gradientUpper(), b.logitLower(), b.logitUpper(), n);
    }

    /** The certified samples of rows {@code [from, to)}. */
    private List<CertifiedSample> samples(int from, int to, int[] predicted, double[] gradient, InputSplitting.BoxBounds result,
            double[] radius) {
        List<CertifiedSample> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            double[] g = row(gradient, i, size);
            double[] lo = row(result.lower(), i, size);
            double[] hi = row(result.upper(), i, size);
            Certificate certificate = Certificates.of(g, lo, hi, settings.k(), row(result.logitLower(), i,
                    result.classes()), row(result.logitUpper(), i, result.classes()), predicted[i]);
            if (radius != null) {
                certificate = certificate.withRadius(radius[i]);
            }
            out.add(new CertifiedSample(predicted[i], g, lo, hi, certificate, result.leaves()[i]));
        }
        return out;
    }

    /**
     * Bounds over the boxes of half-width epsilon around each row, split as configured.
     *
     * @param epsilon broadcastable to x: a scalar of the model (one ε for all rows, nothing made per call) or
     *     {@code [N, 1, ...]} (one per row)
     * @param gradient the gradient at each row, flat
     */
    private InputSplitting.BoxBounds boundsAt(NDArray x, NDArray epsilon, NDArray classes, double[] gradient) {
        Scalars constants = bounds.model().scalars();
        return splitting.bound(domain.clip(x.sub(epsilon), constants), domain.clip(x.add(epsilon), constants), classes, gradient);
    }

    /** A copy of an array in another manager, so that what is computed from it is freed with that manager. */
    private static NDArray copyTo(NDManager manager, NDArray array) {
        NDArray copy = array.duplicate();
        copy.attach(manager);
        return copy;
    }

    /**
     * The certified radius per sample: bisection on ε in {@code [0, radiusMax]}, all samples in one bound pass
     * per step ({@code boundsAt}: the bounds over the boxes of each row's ε). Bounds are nested in ε, so the top-k
     * certificate is monotone and the bisection is valid (input splitting cut short by its time budget may break the
     * monotony, not the soundness); the returned value is certified (the lower end of the final bracket, each raise of
     * which a pass certified).
     */
    private double[] radius(int n, double[] gradient, Function<double[], InputSplitting.BoxBounds> boundsAt) {
        double[] lo = new double[n];
        double[] hi = new double[n];
        java.util.Arrays.fill(hi, settings.radiusMax());
        for (int step = 0; step <= settings.radiusSteps(); step++) {
            double[] probe = new double[n];
            for (int i = 0; i < n; i++) {
                probe[i] = step == 0 ? hi[i] : (lo[i] + hi[i]) / 2;
            }
            InputSplitting.BoxBounds b = boundsAt.apply(probe);
            for (int i = 0; i < n; i++) {
                boolean certified = Certificates.topkCertified(row(gradient, i, size),
                        row(b.lower(), i, size), row(b.upper(), i, size), settings.k());
                if (step == 0) {
                    if (certified) {
                        lo[i] = hi[i];
                    }
                } else if (certified) {
                    lo[i] = probe[i];
                } else {
                    hi[i] = probe[i];
                }
            }
        }
        return lo;
    }
}
