package dev.stabilis.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A network as a dataflow graph: one variable input, nodes in topological order, and named outputs. A value may
 * feed several nodes (residual connections, attention's queries, keys and values); in a backward pass its adjoint
 * is the sum over its consumers. Constants live in the operators, on the host, in float64.
 *
 * <p>The input's first axis is the batch. Values are full symbolic shapes ({@link Shapes}); the constructor
 * checks that every node's inputs are defined before it and infers every shape.
 */
public final class Graph {

    private final String inputName;
    private final long[] inputShape;
    private final List<Node> nodes;
    private final List<String> outputs;
    private final Map<String, long[]> shapes;

    /**
     * @param inputName the input value's name
     * @param sampleShape the input's shape per sample (the batch axis excluded)
     * @param nodes the nodes, each input defined by the graph input or an earlier node
     * @param outputs the values the graph returns
     * @throws IllegalArgumentException when a value is undefined or defined twice, or shapes do not fit
     */
    public Graph(String inputName, long[] sampleShape, List<Node> nodes, List<String> outputs) {
        this.inputName = inputName;
        this.inputShape = Shapes.withBatch(Shapes.BATCH, sampleShape);
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        Map<String, long[]> known = new LinkedHashMap<>();
        known.put(inputName, inputShape);
        for (Node node : this.nodes) {
            List<long[]> in = new ArrayList<>(node.inputs().size());
            for (String name : node.inputs()) {
                long[] shape = known.get(name);
                if (shape == null) {
                    throw new IllegalArgumentException("node '" + node.name() + "' reads '" + name + "', which no earlier node defines");
                }
                in.add(shape);
            }
            if (known.containsKey(node.output())) {
                throw new IllegalArgumentException("node '" + node.name() + "' defines '" + node.output() + "' a second time");
            }
            try {
                known.put(node.output(), node.op().outputShape(in));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node '" + node.name() + "' (" + node.op().getClass().getSimpleName() + "): "
                        + e.getMessage(), e);
            }
        }
        if (this.outputs.isEmpty()) {
            throw new IllegalArgumentException("a graph needs an output");
        }
        for (String output : this.outputs) {
            if (!known.containsKey(output)) {
                throw new IllegalArgumentException("output '" + output + "' is not computed by the graph");
            }
        }
        this.shapes = known;
    }

    /** A chain: each operator applied to the previous one's output, named {@code x}, {@code v1}, {@code v2}, .... */
    public static Graph chain(long[] sampleShape, List<Op> ops) {
        List<Node> nodes = new ArrayList<>(ops.size());
        String previous = "x";
        for (int i = 0; i < ops.size(); i++) {
            String output = "v" + (i + 1);
            nodes.add(new Node("n" + (i + 1), ops.get(i), List.of(previous), output));
            previous = output;
        }
        return new Graph("x", sampleShape, nodes, List.of(previous));
    }

    public String inputName() {
        return inputName;
    }

    /** The input's full shape, {@code [N, ...]}. */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** The input's shape per sample. */
    public long[] inputSampleShape() {
        return Shapes.withoutBatch(inputShape);
    }

    /** Number of input features per sample. */
    public int inputSize() {
        return Math.toIntExact(Shapes.size(inputSampleShape()));
    }

    /**
     * Elements per sample of the input and of every node's output together: what a pass that keeps every value of one
     * row holds, the measure of a pass's memory.
     */
    public long valuesPerSample() {
        long elements = Shapes.perSample(inputShape);
        for (Node node : nodes) {
            elements = Math.addExact(elements, Shapes.perSample(shape(node.output())));
        }
        return elements;
    }

    /**
     * Multiply-adds per sample of one forward pass ({@link Op#multiplyAddsPerElement} over every node's output): the
     * measure of a pass's arithmetic.
     */
    public long multiplyAddsPerSample() {
        long total = 0;
        for (Node node : nodes) {
            List<long[]> in = node.inputs().stream().map(this::shape).toList();
            long perElement = node.op().multiplyAddsPerElement(in);
            total = Math.addExact(total, Math.multiplyExact(Shapes.perSample(shape(node.output())), perElement));
        }
        return total;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<String> outputs() {
        return outputs;
    }

    /** The single output. */
    public String output() {
        if (outputs.size() != 1) {
            throw new IllegalStateException("the graph has " + outputs.size() + " outputs " + outputs + "; name the one to explain");
        }
        return outputs.get(0);
    }

    /** The symbolic shape of a value. */
    public long[] shape(String value) {
        long[] shape = shapes.get(value);
        if (shape == null) {
            throw new IllegalArgumentException("no value '" + value + "' in the graph");
        }
        return shape.clone();
    }

    /**
     * The per-sample shape of the single output, which must keep the batch as its first axis and nowhere else.
     *
     * @throws IllegalStateException otherwise
     */
    public long[] outputSampleShape() {
        long[] shape = shapes.get(output());
        if (shape.length == 0 || shape[0] != Shapes.BATCH) {
            throw new IllegalStateException("output '" + output() + "' has shape " + Arrays.toString(shape)
                    + "; its first axis must be the batch");
        }
        long[] sample = Shapes.withoutBatch(shape);
        for (long d : sample) {
            if (Shapes.carriesBatch(d)) {
                throw new IllegalStateException("output '" + output() + "' has shape " + Arrays.toString(shape)
                        + ", the batch on more than its first axis");
            }
        }
        return sample;
    }

    /** The node defining a value, or null for the input. */
    public Node producer(String value) {
        for (Node node : nodes) {
            if (node.output().equals(value)) {
                return node;
            }
        }
        if (value.equals(inputName)) {
            return null;
        }
        throw new IllegalArgumentException("no value '" + value + "' in the graph");
    }

    /** The graph returning {@code output} only, without the nodes it does not need. */
    public Graph withOutput(String output) {
        shape(output);
        Set<String> needed = new HashSet<>(List.of(output));
        List<Node> kept = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            if (needed.contains(node.output())) {
                kept.add(0, node);
                needed.addAll(node.inputs());
            }
        }
        return new Graph(inputName, inputSampleShape(), kept, List.of(output));
    }

    /**
     * The graph with each node replaced by the nodes {@code rewrite} returns for it (itself when it returns null).
     * Replacement nodes must define the replaced node's output.
     */
    public Graph rewrite(java.util.function.Function<Node, List<Node>> rewrite) {
        List<Node> out = new ArrayList<>(nodes.size());
        for (Node node : nodes) {
            List<Node> replacement = rewrite.apply(node);
            out.addAll(replacement == null ? List.of(node) : replacement);
        }
        return new Graph(inputName, inputSampleShape(), out, outputs);
    }

    /**
     * The graph with every ReLU replaced by softplus(β) = softplus(β z) / β, a smooth surrogate whose Hessian carries
     * the second-order signal that a ReLU network's (zero almost everywhere) Hessian lacks.
     */
    public Graph reluSmoothed(float beta) {
        return rewrite(node -> {
            if (!(node.op() instanceof Activation a) || a.kind() != Activation.Kind.RELU) {
                return null;
            }
            String scaled = node.output() + "/beta";
            String smooth = node.output() + "/softplus";
            return List.of(
                    new Node(node.name() + "/beta", ElementwiseAffine.scale(HostTensor.scalar(beta)), node.inputs(), scaled),
                    new Node(node.name() + "/softplus", Activation.of(Activation.Kind.SOFTPLUS), List.of(scaled), smooth),
                    new Node(node.name() + "/unbeta", ElementwiseAffine.scale(HostTensor.scalar(1f / beta)), List.of(smooth),
                            node.output()));
        });
    }

    /**
     * The graph with {@code op} applied to the input first: every node that read the input reads the op's output.
     */
    public Graph prepend(String name, Op op) {
        String front = inputName + "/" + name;
        List<Node> out = new ArrayList<>(nodes.size() + 1);
        out.add(new Node(name, op, List.of(inputName), front));
        for (Node node : nodes) {
            out.add(new Node(node.name(), node.op(), node.inputs().stream().map(i -> i.equals(inputName) ? front : i).toList(),
                    node.output()));
        }
        return new Graph(inputName, inputSampleShape(), out, outputs.stream().map(o -> o.equals(inputName) ? front : o).toList());
    }

    /** The inverse of {@link #prepend}: the graph without its first node, whose readers read the input again. */
    public Graph withoutFirst() {
        Node first = nodes.get(0);
        if (!first.inputs().equals(List.of(inputName))) {
            throw new IllegalStateException("the first node does not read the input alone");
        }
        List<Node> out = new ArrayList<>(nodes.size() - 1);
        for (Node node : nodes.subList(1, nodes.size())) {
            out.add(new Node(node.name(), node.op(), node.inputs().stream().map(i -> i.equals(first.output()) ? inputName : i).toList(),
                    node.output()));
        }
        return new Graph(inputName, inputSampleShape(), out,
                outputs.stream().map(o -> o.equals(first.output()) ? inputName : o).toList());
    }

    /** How many nodes read each value (the graph outputs count as readers too). */
    public Map<String, Integer> readers() {
        Map<String, Integer> count = new HashMap<>();
        for (Node node : nodes) {
            for (String in : node.inputs()) {
                count.merge(in, 1, Integer::sum);
            }
        }
        for (String out : outputs) {
            count.merge(out, 1, Integer::sum);
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Graph g && inputName.equals(g.inputName) && Arrays.equals(inputShape, g.inputShape)
                && nodes.equals(g.nodes) && outputs.equals(g.outputs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputName, nodes, outputs);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Graph(").append(inputName).append(Arrays.toString(inputShape));
        for (Node node : nodes) {
            s.append("\n  ").append(node.output()).append(" = ").append(node.op()).append(node.inputs());
        }
        return s.append("\n  -> ").append(outputs).append(')').toString();
    }
}
