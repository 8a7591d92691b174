package dev.stabilis.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A dataflow graph on a device: batched forward, and an explicit backward pass that applies each node's
 * vector–Jacobian product in reverse topological order and sums the adjoints a value receives from its consumers
 * (only max pooling and ReduceMax, whose backward DJL does not expose, take libtorch's autograd of their single
 * operator: {@link NativeAdjoint}). The backward rules serve Hessian-vector products, interval bounds and training
 * through input gradients, and every float64 model (certification, whose point gradients must be the derivatives the
 * bound rules enclose, not those of libtorch's implementations: its Softplus is linear above 20). Plain input gradients
 * ({@link #gradients}) of a float32 model take libtorch's autograd over the whole forward pass instead when a node's
 * rule is slower than autograd's backward ({@link Kernel#prefersAutograd}: large convolutions, max pooling), as on
 * ResNet-18 (BENCHMARKS.md, "Input gradients by libtorch's autograd"). Values are numbered: the input is 0 and node i
 * defines value i + 1.
 *
 * <p>The model explains one output: the graph is pruned to the nodes it needs.
 */
public final class GraphModel implements DifferentiableModel {

    private final Graph graph;
    private final long valuesPerSample;
    private final long multiplyAddsPerSample;
    private final NDManager manager;
    private final DataType dataType;
    private final Scalars scalars;
    private final Kernel[] kernels;
    private final int[][] inputs;
    private final int output;
    private final boolean graphConstants;
    /** Whether {@link #gradients} takes libtorch's autograd over the forward pass (see the class comment). */
    private final boolean autogradGradients;
    /** The network on the host, for {@link #gradients} of a few rows, where it is a dense ReLU network; else null. */
    private final HostDenseNetwork host;

    private GraphModel(Graph graph, NDManager manager, DataType dataType, IntFunction<NDArray[]> denseArrays) {
        this.graph = graph.withOutput(graph.output());
        this.valuesPerSample = this.graph.valuesPerSample();
        this.multiplyAddsPerSample = this.graph.multiplyAddsPerSample();
        this.manager = manager;
        this.dataType = dataType;
        this.scalars = new Scalars(manager, dataType);
        this.graphConstants = denseArrays == null;
        List<Node> nodes = this.graph.nodes();
        this.kernels = new Kernel[nodes.size()];
        this.inputs = new int[nodes.size()][];
        Map<String, Integer> ids = new HashMap<>();
        ids.put(this.graph.inputName(), 0);
        KernelFactory factory = new KernelFactory(manager, dataType, scalars, denseArrays);
        try {
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                long[][] inputShapes = new long[node.inputs().size()][];
                inputs[i] = new int[node.inputs().size()];
                for (int j = 0; j < inputShapes.length; j++) {
                    inputs[i][j] = ids.get(node.inputs().get(j));
                    inputShapes[j] = this.graph.shape(node.inputs().get(j));
                }
                kernels[i] = factory.compile(node.op(), new Signature(inputShapes, this.graph.shape(node.output())));
                ids.put(node.output(), i + 1);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.output = ids.get(this.graph.output());
        this.autogradGradients = dataType == DataType.FLOAT32 && graphConstants && dependsOnInput(output, inputs)
                && Arrays.stream(kernels).anyMatch(Kernel::prefersAutograd);
        this.host = graphConstants && Device.Type.CPU.equals(manager.getDevice().getDeviceType())
                && (dataType == DataType.FLOAT32 || dataType == DataType.FLOAT64)
                ? HostDenseNetwork.of(this.graph, HostDenseNetwork.GRADIENT_MULTIPLY_ADDS).orElse(null) : null;
    }

    /** Whether {@code value} is computed from the input (value 0) through the nodes' inputs. */
    private static boolean dependsOnInput(int value, int[][] inputs) {
        boolean[] depends = new boolean[inputs.length + 1];
        depends[0] = true;
        for (int i = 0; i < inputs.length; i++) {
            depends[i + 1] = Arrays.stream(inputs[i]).anyMatch(v -> depends[v]);
        }
        return depends[value];
    }

    /**
     * Places a graph on a device.
     *
     * @param dataType FLOAT32 for production, FLOAT64 for reference computations
     * @throws IllegalStateException when the graph has several outputs (choose one with {@link Graph#withOutput})
     */
    public static GraphModel load(Graph graph, Device device, DataType dataType) {
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            return new GraphModel(graph, manager, dataType, null);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A graph whose dense nodes compute with caller-supplied arrays instead of their host constants, so that logits,
     * input gradients, Hessian-vector products and interval bounds stay differentiable with respect to them
     * (trainable parameters under autograd). Other constants are uploaded to {@code manager}, which the model owns
     * from then on; closing the model also closes the supplied arrays.
     *
     * @param denseArrays for the n-th dense node (in node order), {@code {weight, bias}} of the node's shapes and
     *     {@code dataType}; the bias may be null
     */
    public static GraphModel withDenseArrays(Graph graph, NDManager manager, DataType dataType, IntFunction<NDArray[]> denseArrays) {
        return new GraphModel(graph, manager, dataType, denseArrays);
    }

    /** The graph this model runs (pruned to its output). */
    public Graph graph() {
        return graph;
    }

    /** The element type computations use. */
    public DataType dataType() {
        return dataType;
    }

    /** Scalar constants of this model's manager and type. */
    public Scalars scalars() {
        return scalars;
    }

    @Override
    public long[] inputShape() {
        return graph.inputSampleShape();
    }

    @Override
    public int classes() {
        long[] out = graph.outputSampleShape();
        if (out.length != 1) {
            throw new IllegalStateException("model output '" + graph.output() + "' has shape " + Arrays.toString(out)
                    + " per sample; a classifier needs [classes]");
        }
        return (int) out[0];
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    /**
     * Whether every node computes with the graph's own constants, so that what is derived from them on the host holds
     * for every call; false for a model on caller-supplied dense arrays ({@link #withDenseArrays}), which training
     * changes between calls.
     */
    public boolean computesWithGraphConstants() {
        return graphConstants;
    }

    /** Number of nodes. */
    public int size() {
        return kernels.length;
    }

    /** The value ids node {@code index} reads (0 is the input, i + 1 the output of node i). */
    public int[] inputsOf(int index) {
        return inputs[index].clone();
    }

    /** The value id of the model output. */
    public int outputValue() {
        return output;
    }

    /** Node {@code index} as an affine map, for interval propagation. */
    public LinearMap linearMap(int index) {
        return (LinearMap) kernels[index];
    }

    /** The windows of a max-pool or ReduceMax node. */
    public PoolWindows poolWindows(int index) {
        return (PoolWindows) kernels[index];
    }

    /** The functions of an activation node. */
    public ActivationFunctions activation(int index) {
        return ((ElementwiseKernels.ActivationKernel) kernels[index]).functions();
    }

    /** PReLU′ of a PReLU node at z. */
    public NDArray preluDerivative(int index, NDArray z) {
        return ((ElementwiseKernels.PReluKernel) kernels[index]).derivative(z);
    }

    /** The slope of a PReLU node. */
    public NDArray preluSlope(int index) {
        return ((ElementwiseKernels.PReluKernel) kernels[index]).slope();
    }

    /** Node {@code index} applied to its inputs. */
    public NDArray forward(int index, NDArray[] in, long batch) {
        return kernels[index].forward(in, batch);
    }

    /** Every value of a forward pass: index 0 the input (in this model's type), i + 1 the output of node i. */
    public NDArray[] values(NDArray input) {
        NDArray[] values = new NDArray[kernels.length + 1];
        values[0] = input.toType(dataType, false);
        long batch = input.getShape().get(0);
        ScopedStep steps = steps(batch);
        for (int i = 0; i < kernels.length; i++) {
            int node = i;
            NDArray[] in = gather(values, inputs[i]);
            values[i + 1] = steps.keep(() -> new NDArray[] {forward(node, in, batch)}, in)[0];
            if (inputs[i].length == 0) {
                Tensors.owned(values[i + 1], values[0]);
            }
        }
        return values;
    }

    /** The graph output for a batch, whatever its shape. */
    public NDArray forward(NDArray input) {
        return values(input)[output];
    }

    @Override
    public NDArray logits(NDArray input) {
        classes();
        try (IntraOpThreads threads = threadsFor(input.getShape().get(0))) {
            return forward(input);
        }
    }

    /**
     * The adjoint of every value given the adjoint of the output (null where none flows), by the nodes' backward
     * rules in reverse order.
     */
    NDArray[] adjoints(NDArray[] values, NDArray seed) {
        NDArray[] adjoint = new NDArray[values.length];
        adjoint[output] = seed;
        ScopedStep steps = steps(values[0].getShape().get(0));
        for (int i = kernels.length - 1; i >= 0; i--) {
            if (adjoint[i + 1] == null) {
                continue;
            }
            Kernel kernel = kernels[i];
            int[] ids = inputs[i];
            NDArray[] in = gather(values, ids);
            NDArray out = values[i + 1];
            NDArray grad = adjoint[i + 1];
            steps.keep(() -> { // frees the rule's temporaries; keeps the adjoints it adds to
                accumulate(adjoint, ids, kernel.backward(grad, in, out));
                return gather(adjoint, ids);
            }, Arrays::asList, () -> { // the inputs, their adjoints so far, the output and its adjoint
                List<NDArray> received = new ArrayList<>(Arrays.asList(in));
                received.addAll(Arrays.asList(gather(adjoint, ids)));
                received.add(out);
                received.add(grad);
                return received;
            });
        }
        return adjoint;
    }

    /** Whether {@link #gradients} takes libtorch's autograd (when no outer autograd records the call). */
    boolean gradientsByAutograd() {
        return autogradGradients;
    }

    /**
     * {@inheritDoc} A few rows of a dense ReLU network on the CPU are computed on the host ({@link HostDenseNetwork}) in
     * float64 and returned in the model's type, unless autograd records the call.
     */
    @Override
    public Gradients gradients(NDArray input, NDArray classes, TargetKind kind) {
        long rows = input.getShape().get(0);
        if (host != null && host.fits(rows, HostDenseNetwork.GRADIENT_MULTIPLY_ADDS) && NativeAdjoint.appliesToPass(input)) {
            return hostGradients(input, classes, kind);
        }
        try (IntraOpThreads threads = threadsFor(rows)) {
            return gradientsOf(input, classes, kind);
        }
    }

    private Gradients hostGradients(NDArray input, NDArray classes, TargetKind kind) {
        int rows = Math.toIntExact(input.getShape().get(0));
        int[] targets = classes == null ? null : Arrays.stream(classes.toType(DataType.INT64, false).toLongArray())
                .mapToInt(Math::toIntExact).toArray();
        HostDenseNetwork.RowGradients g = host.gradients(hostRows(input), rows, targets, kind);
        NDManager batch = input.getManager();
        return new Gradients(inModelType(batch, g.logits(), new Shape(rows, host.classes())),
                batch.create(Arrays.stream(g.classes()).asLongStream().toArray()), inModelType(batch, g.gradient(), input.getShape()));
    }

    private static double[] hostRows(NDArray input) {
        if (input.getDataType() == DataType.FLOAT32) {
            float[] values = input.toFloatArray();
            double[] rows = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                rows[i] = values[i];
            }
            return rows;
        }
        return input.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private NDArray inModelType(NDManager batch, double[] values, Shape shape) {
        if (dataType == DataType.FLOAT64) {
            return batch.create(values, shape);
        }
        float[] rounded = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = (float) values[i];
        }
        return batch.create(rounded, shape);
    }

    private Gradients gradientsOf(NDArray input, NDArray classes, TargetKind kind) {
        if (autogradGradients && NativeAdjoint.appliesToPass(input)) {
            try (NativeAdjoint.RecordedPass pass = NativeAdjoint.record(this::forward, input.toType(dataType, false))) {
                NDArray logits = pass.output();
                NDArray targets = DifferentiableModel.targets(logits, classes);
                return new Gradients(logits, targets, pass.backward(kind.seed(logits, targets)));
            }
        }
        NDArray[] values = values(input);
        NDArray logits = values[output];
        NDArray targets = DifferentiableModel.targets(logits, classes);
        NDArray grad = adjoints(values, kind.seed(logits, targets))[0];
        return new Gradients(logits, targets, grad == null ? values[0].zerosLike() : grad);
    }

    /** Tangents of every value along a tangent of the input (the forward half of the R-operator). */
    NDArray[] tangents(NDArray[] values, NDArray inputTangent) {
        NDArray[] tangent = new NDArray[values.length];
        tangent[0] = inputTangent;
        for (int i = 0; i < kernels.length; i++) {
            NDArray[] in = gather(values, inputs[i]);
            NDArray[] t = gather(tangent, inputs[i]);
            tangent[i + 1] = in.length == 0 ? values[i + 1].zerosLike() : kernels[i].tangent(in, values[i + 1], t);
        }
        return tangent;
    }

    /** The derivative of every adjoint along the tangents (the backward half of the R-operator). */
    NDArray[] adjointTangents(NDArray[] values, NDArray[] adjoint, NDArray[] tangent, NDArray seedTangent) {
        NDArray[] r = new NDArray[values.length];
        r[output] = seedTangent;
        for (int i = kernels.length - 1; i >= 0; i--) {
            if (adjoint[i + 1] == null) {
                continue;
            }
            NDArray[] in = gather(values, inputs[i]);
            NDArray[] rIn = kernels[i].backwardTangent(adjoint[i + 1], r[i + 1], in, values[i + 1], gather(tangent, inputs[i]));
            accumulate(r, inputs[i], rIn);
        }
        return r;
    }

    /** The intra-op threads of a pass over {@code rows} rows: one thread for a small pass ({@link IntraOpThreads}). */
    public IntraOpThreads threadsFor(long rows) {
        return IntraOpThreads.forPass(rows * multiplyAddsPerSample);
    }

    /** How the steps of a pass over {@code rows} rows run: in scopes when the pass is large ({@link ScopedStep}). */
    public ScopedStep steps(long rows) {
        return ScopedStep.forPass(rows * valuesPerSample);
    }

    private static NDArray[] gather(NDArray[] values, int[] ids) {
        NDArray[] out = new NDArray[ids.length];
        for (int j = 0; j < ids.length; j++) {
            out[j] = values[ids[j]];
        }
        return out;
    }

    private static void accumulate(NDArray[] adjoint, int[] ids, NDArray[] contributions) {
        for (int j = 0; j < contributions.length; j++) {
            NDArray c = contributions[j];
            if (c != null) {
                adjoint[ids[j]] = adjoint[ids[j]] == null ? c : adjoint[ids[j]].add(c);
            }
        }
    }

    @Override
    public void close() {
        for (Kernel kernel : kernels) {
            if (kernel != null) {
                kernel.close();
            }
        }
        manager.close();
    }
}
