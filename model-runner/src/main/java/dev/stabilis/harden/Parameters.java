package dev.stabilis.harden;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Reshape;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainable weights and biases of a network's dense layers, as float64 arrays that autograd tracks, in a
 * long-lived manager. Everything else in the graph (input scaling, standardisation, the scalings around a
 * softplus β) stays constant. Each batch computes with copies of the parameters made in the batch's manager,
 * so nothing a batch derives from them outlives it.
 */
final class Parameters implements AutoCloseable {

    private final Graph structure;
    private final NDManager manager;
    private final List<NDArray[]> dense = new ArrayList<>();

    /**
     * @throws IllegalArgumentException when the graph has a layer that hardening does not train through
     *     (convolutions and pooling: only MLPs of dense, activation, elementwise and reshape layers)
     */
    Parameters(Graph graph, Device device) {
        for (Node node : graph.nodes()) {
            Object op = node.op();
            if (!(op instanceof Dense || op instanceof Activation || op instanceof ElementwiseAffine || op instanceof Reshape)) {
                throw new IllegalArgumentException("hardening trains MLPs (dense, activation, elementwise and reshape nodes); "
                        + "the model has " + node.op() + " (node '" + node.name() + "')");
            }
        }
        this.structure = graph;
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        for (Node node : graph.nodes()) {
            if (node.op() instanceof Dense d) {
                NDArray w = upload(d.weight());
                NDArray b = d.bias() == null ? manager.zeros(new Shape(d.outputs()), DataType.FLOAT64) : upload(d.bias());
                w.setRequiresGradient(true);
                b.setRequiresGradient(true);
                dense.add(new NDArray[] {w, b});
            }
        }
        if (dense.isEmpty()) {
            throw new IllegalArgumentException("the model has no dense layer to train");
        }
    }

    /**
     * The values in memory that the engine owns: {@code create} wraps a Java buffer, which Adam would then update
     * in place for the whole training, so the parameter is a copy of it.
     */
    private NDArray upload(HostTensor t) {
        try (NDArray staged = manager.create(t.data(), new Shape(t.shape()))) {
            return staged.duplicate();
        }
    }

    /** The n-th dense layer's {@code {weight, bias}} (their gradients after a backward pass). */
    NDArray[] dense(int n) {
        return dense.get(n);
    }

    /** A manager for one batch's arrays. */
    NDManager newBatch() {
        return manager.newSubManager();
    }

    /**
     * Copies of every dense layer's {@code {weight, bias}} in {@code batch}; made while a gradient collector
     * records, results computed from them are differentiable with respect to the parameters.
     */
    List<NDArray[]> copiesIn(NDManager batch) {
        List<NDArray[]> out = new ArrayList<>(dense.size());
        for (NDArray[] p : dense) {
            NDArray w = p[0].toType(DataType.FLOAT64, true);
            NDArray b = p[1].toType(DataType.FLOAT64, true);
            w.attach(batch);
            b.attach(batch);
            out.add(new NDArray[] {w, b});
        }
        return out;
    }

    /** The squared L2 norm of every weight matrix (biases excluded), from the batch's copies. */
    static NDArray weightNormSquared(List<NDArray[]> copies) {
        NDArray sum = null;
        for (NDArray[] p : copies) {
            NDArray s = p[0].square().sum();
            sum = sum == null ? s : sum.add(s);
        }
        return sum;
    }

    /** Applies one optimizer step with the gradients autograd accumulated, then clears them. */
    void update(Optimizer optimizer, NDManager batch) {
        for (int i = 0; i < dense.size(); i++) {
            for (int j = 0; j < 2; j++) {
                NDArray parameter = dense.get(i)[j];
                NDArray gradient = parameter.getGradient();
                gradient.attach(batch);
                optimizer.update("dense" + i + (j == 0 ? ".weight" : ".bias"), parameter, gradient);
                gradient.muli(0);
            }
        }
    }

    /** The network with the current parameters, rounded to float32 (the precision the exported model stores). */
    Graph snapshot() {
        int[] index = {0};
        return structure.rewrite(node -> {
            if (!(node.op() instanceof Dense d)) {
                return null;
            }
            NDArray[] p = dense.get(index[0]++);
            Dense trained = new Dense(host(p[0], d.weight().shape()), host(p[1], new long[] {d.outputs()}));
            return List.of(new Node(node.name(), trained, node.inputs(), node.output()));
        });
    }

    private static HostTensor host(NDArray array, long[] shape) {
        double[] values = array.toDoubleArray();
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) values[i];
        }
        return new HostTensor(shape, values);
    }

    @Override
    public void close() {
        manager.close();
    }
}
