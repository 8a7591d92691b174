package dev.stabilis.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A network as a chain of layers from one input to one output, with the per-sample shapes between them.
 *
 * @param inputName the name of the model input (as in the ONNX graph)
 * @param inputShape per-sample input shape
 * @param layers the layers in execution order
 */
public record LayerGraph(String inputName, long[] inputShape, List<Layer> layers) {

    public LayerGraph {
        inputShape = inputShape.clone();
        layers = List.copyOf(layers);
        long[] shape = inputShape;
        for (Layer layer : layers) {
            shape = layer.outputShape(shape);
        }
    }

    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** The graph with every layer replaced by {@link Layer#linearPart()}. */
    public LayerGraph linearPart() {
        return new LayerGraph(inputName, inputShape, layers.stream().map(Layer::linearPart).toList());
    }

    /** The graph with every layer replaced by {@link Layer#magnitude()}. */
    public LayerGraph magnitude() {
        return new LayerGraph(inputName, inputShape, layers.stream().map(Layer::magnitude).toList());
    }

    /**
     * The graph with every ReLU replaced by softplus(β) = softplus(β z) / β, a smooth surrogate whose Hessian
     * carries the second-order signal that a ReLU network's (zero almost everywhere) Hessian lacks.
     */
    public LayerGraph reluSmoothed(float beta) {
        List<Layer> smooth = new ArrayList<>();
        for (Layer layer : layers) {
            if (layer instanceof Activation a && a.kind() == Activation.Kind.RELU) {
                smooth.add(ElementwiseAffine.scale(HostTensor.scalar(beta)));
                smooth.add(Activation.of(Activation.Kind.SOFTPLUS));
                smooth.add(ElementwiseAffine.scale(HostTensor.scalar(1f / beta)));
            } else {
                smooth.add(layer);
            }
        }
        return new LayerGraph(inputName, inputShape, smooth);
    }

    /** Per-sample shapes of every tensor: index 0 is the input, index i the output of layer i-1. */
    public List<long[]> shapes() {
        List<long[]> shapes = new ArrayList<>(layers.size() + 1);
        long[] shape = inputShape;
        shapes.add(shape);
        for (Layer layer : layers) {
            shape = layer.outputShape(shape);
            shapes.add(shape);
        }
        return shapes;
    }

    /** Per-sample output shape. */
    public long[] outputShape() {
        List<long[]> shapes = shapes();
        return shapes.get(shapes.size() - 1);
    }

    /** Number of input features per sample. */
    public int inputSize() {
        return Math.toIntExact(Shapes.size(inputShape));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerGraph g && inputName.equals(g.inputName) && Arrays.equals(inputShape, g.inputShape)
                && layers.equals(g.layers);
    }

    @Override
    public int hashCode() {
        return inputName.hashCode() * 31 + layers.hashCode();
    }

    @Override
    public String toString() {
        return "LayerGraph(" + inputName + Arrays.toString(inputShape) + " -> " + layers + ")";
    }
}
