package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.certify.IntervalGradientBounds;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.graph.Graph;
import java.util.List;

/**
 * One batch's view of the network: the engine's models of the graph built on the batch's parameter copies, so
 * that logits, explicit input gradients, Hessian-vector products and interval bounds of gradients (the same
 * code the monitor certifies with) are differentiable with respect to the parameters. Everything lives in the
 * batch's manager and goes with it.
 */
final class BoundNetwork {

    private final Graph graph;
    private final List<NDArray[]> parameters;
    private final NDManager batch;
    private GraphModel model;

    /**
     * @param graph the network on unit coordinates
     * @param parameters the batch's copies of the dense parameters ({@link Parameters#copiesIn})
     */
    BoundNetwork(Graph graph, List<NDArray[]> parameters, NDManager batch) {
        this.graph = graph;
        this.parameters = parameters;
        this.batch = batch;
    }

    List<NDArray[]> parameters() {
        return parameters;
    }

    /** The network itself. */
    GraphModel model() {
        if (model == null) {
            model = on(graph);
        }
        return model;
    }

    /** Interval bounds of input gradients over boxes. */
    GradientBounds bounds() {
        return IntervalGradientBounds.of(model());
    }

    /**
     * Hessian-vector products of the network with every ReLU replaced by softplus(β) (ReLU networks have a zero
     * Hessian almost everywhere); a network without ReLU is its own surrogate.
     */
    HessianVectorProduct hessian(float surrogateBeta) {
        Graph smooth = graph.reluSmoothed(surrogateBeta);
        return new HessianVectorProduct(on(smooth));
    }

    private GraphModel on(Graph g) {
        return GraphModel.withDenseArrays(g, batch.newSubManager(), DataType.FLOAT64, parameters::get);
    }
}
