package dev.stabilis.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.ConstantPad;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.GlobalAveragePool;
import dev.stabilis.graph.Layer;
import dev.stabilis.graph.LayerGraph;
import dev.stabilis.graph.Reshape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A layer graph on a device: batched forward and an explicit backward pass (each layer's closed-form
 * vector–Jacobian product, no autograd).
 */
public final class GraphModel implements DifferentiableModel {

    private final LayerGraph graph;
    private final NDManager manager;
    private final DataType dataType;
    private final List<LayerKernel> kernels = new ArrayList<>();
    private final long[] outputShape;

    private GraphModel(LayerGraph graph, NDManager manager, DataType dataType, IntFunction<NDArray[]> denseArrays) {
        this.graph = graph;
        this.manager = manager;
        this.dataType = dataType;
        List<long[]> shapes = graph.shapes();
        this.outputShape = shapes.get(shapes.size() - 1);
        int dense = 0;
        for (int i = 0; i < graph.layers().size(); i++) {
            Layer layer = graph.layers().get(i);
            if (layer instanceof Dense && denseArrays != null) {
                NDArray[] arrays = denseArrays.apply(dense++);
                kernels.add(new DenseKernel(arrays[0], arrays[1]));
            } else {
                kernels.add(kernelFor(layer, shapes.get(i), shapes.get(i + 1)));
            }
        }
    }

    /**
     * Places a graph on a device.
     *
     * @param dataType FLOAT32 for production, FLOAT64 for reference computations
     */
    public static GraphModel load(LayerGraph graph, Device device, DataType dataType) {
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            return new GraphModel(graph, manager, dataType, null);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A graph whose dense layers compute with caller-supplied arrays instead of their host constants, so that
     * logits, input gradients, Hessian-vector products and interval bounds stay differentiable with respect to
     * them (trainable parameters under autograd). The other layers upload their constants to {@code manager},
     * which the model owns from then on; closing the model also closes the supplied arrays.
     *
     * @param denseArrays for the n-th dense layer of the graph (in execution order), {@code {weight, bias}} of
     *     the layer's shapes and {@code dataType}; the bias may be null
     */
    public static GraphModel withDenseArrays(LayerGraph graph, NDManager manager, DataType dataType,
            IntFunction<NDArray[]> denseArrays) {
        return new GraphModel(graph, manager, dataType, denseArrays);
    }

    private LayerKernel kernelFor(Layer layer, long[] in, long[] out) {
        if (layer instanceof Dense d) {
            return new DenseKernel(d, manager, dataType);
        } else if (layer instanceof Conv2d c) {
            return new ConvKernel(c, in, manager, dataType);
        } else if (layer instanceof AveragePool2d p) {
            return new AveragePoolKernel(p, in, manager, dataType);
        } else if (layer instanceof GlobalAveragePool) {
            return new GlobalAveragePoolKernel(in, out);
        } else if (layer instanceof ConstantPad p) {
            return new PadKernel(p, in);
        } else if (layer instanceof ElementwiseAffine a) {
            return new AffineKernel(a, manager, dataType);
        } else if (layer instanceof Activation a) {
            return new ActivationKernel(a);
        } else if (layer instanceof Reshape) {
            return new ReshapeKernel(in, out);
        }
        throw new IllegalArgumentException("no kernel for " + layer);
    }

    /** The graph this model runs. */
    public LayerGraph graph() {
        return graph;
    }

    /** The element type computations use. */
    public DataType dataType() {
        return dataType;
    }

    @Override
    public long[] inputShape() {
        return graph.inputShape();
    }

    @Override
    public int classes() {
        if (outputShape.length != 1) {
            throw new IllegalStateException("model output per sample has shape " + java.util.Arrays.toString(outputShape)
                    + "; a classifier needs [classes]");
        }
        return (int) outputShape[0];
    }

    @Override
    public Device device() {
        return manager.getDevice();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    /** Number of layers. */
    public int depth() {
        return kernels.size();
    }

    /** Layer {@code index} applied to a batch. */
    public NDArray forward(int index, NDArray input) {
        return kernels.get(index).forward(input);
    }

    /**
     * The gradient with respect to the input of layer {@code index}, given the gradient with respect to its
     * output and the input and output its forward pass saw (affine layers ignore both).
     */
    public NDArray backward(int index, NDArray gradOutput, NDArray input, NDArray output) {
        return kernels.get(index).backward(gradOutput, input, output);
    }

    /** The graph output for a batch, whatever its shape. */
    public NDArray forward(NDArray input) {
        NDArray x = input.toType(dataType, false);
        for (LayerKernel kernel : kernels) {
            x = kernel.forward(x);
        }
        return x;
    }

    @Override
    public NDArray logits(NDArray input) {
        classes();
        return forward(input);
    }

    @Override
    public Gradients gradients(NDArray input, NDArray classes, TargetKind kind) {
        int n = kernels.size();
        NDArray[] values = new NDArray[n + 1];
        values[0] = input.toType(dataType, false);
        for (int i = 0; i < n; i++) {
            values[i + 1] = kernels.get(i).forward(values[i]);
        }
        NDArray logits = values[n];
        NDArray targets = classes != null ? classes : logits.argMax(1);
        NDArray grad = kind.seed(logits, targets);
        for (int i = n - 1; i >= 0; i--) {
            grad = kernels.get(i).backward(grad, values[i], values[i + 1]);
        }
        return new Gradients(logits, targets, grad);
    }

    @Override
    public void close() {
        kernels.forEach(LayerKernel::close);
        manager.close();
    }
}
