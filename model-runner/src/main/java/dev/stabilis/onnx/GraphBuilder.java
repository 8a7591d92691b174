package dev.stabilis.onnx;

import dev.stabilis.graph.Node;
import dev.stabilis.graph.Op;
import dev.stabilis.graph.Reshape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The graph being built during an import: its nodes, the symbolic shape of every value, and aliases (an ONNX value
 * that is another one: Identity, Dropout, a no-op Cast). The nodes that one ONNX node becomes are added through
 * {@link #add}; the last of them is renamed to the ONNX node's output by {@link #finish}.
 */
final class GraphBuilder {

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, String> aliases = new HashMap<>();
    private String node;
    private String output;
    private int steps;

    GraphBuilder(String input, long[] inputShape) {
        shapes.put(input, inputShape.clone());
    }

    /** Starts the nodes of one ONNX node. */
    void begin(String nodeName, String outputName) {
        this.node = nodeName;
        this.output = outputName;
        this.steps = 0;
    }

    /** Whether a value (after aliases) is variable, that is, computed from the input. */
    boolean isVariable(String onnxName) {
        return shapes.containsKey(resolve(onnxName));
    }

    String resolve(String onnxName) {
        String name = onnxName;
        while (aliases.containsKey(name)) {
            name = aliases.get(name);
        }
        return name;
    }

    long[] shape(String value) {
        long[] shape = shapes.get(resolve(value));
        if (shape == null) {
            throw new IllegalStateException("no variable value '" + value + "'");
        }
        return shape.clone();
    }

    /** Adds a node applying {@code op} to values, and returns its output's (provisional) name. */
    String add(Op op, String... inputs) {
        List<String> in = new ArrayList<>(inputs.length);
        List<long[]> inShapes = new ArrayList<>(inputs.length);
        for (String i : inputs) {
            String v = resolve(i);
            in.add(v);
            inShapes.add(shape(v));
        }
        String name = output + "/" + steps++;
        long[] shape = op.outputShape(inShapes);
        nodes.add(new Node(node + (steps > 1 ? "/" + steps : ""), op, in, name));
        shapes.put(name, shape);
        return name;
    }

    /**
     * Ends the current ONNX node with {@code result} as its output: the node that made it takes the ONNX output's
     * name; a result made earlier (an input passed through) becomes an alias.
     */
    void finish(String result) {
        Node last = nodes.isEmpty() ? null : nodes.get(nodes.size() - 1);
        if (last != null && last.output().equals(result) && result.startsWith(output + "/")) {
            nodes.set(nodes.size() - 1, new Node(last.name(), last.op(), last.inputs(), output));
            shapes.put(output, shapes.remove(result));
        } else {
            aliases.put(output, resolve(result));
        }
    }

    /** Makes {@code alias} another name of {@code value}, for outputs beyond the first (Split). */
    void alias(String alias, String value) {
        aliases.put(alias, resolve(value));
    }

    /**
     * Gives an ONNX output that is an alias (the output of an Identity, say) its own name: the value it stands for
     * is renamed, so a policy can name the output as the model declares it. An output that is the input itself
     * becomes a reshape to the same shape, a node of its own.
     */
    void nameOutput(String onnxOutput, String input) {
        String value = resolve(onnxOutput);
        if (value.equals(onnxOutput) || shapes.containsKey(onnxOutput)) {
            return;
        }
        if (value.equals(input)) {
            long[] shape = shapes.get(input);
            nodes.add(new Node(onnxOutput, new Reshape(shape), List.of(input), onnxOutput));
            shapes.put(onnxOutput, shape);
            aliases.remove(onnxOutput);
            return;
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            List<String> in = n.inputs().stream().map(v -> v.equals(value) ? onnxOutput : v).toList();
            nodes.set(i, new Node(n.name(), n.op(), in, n.output().equals(value) ? onnxOutput : n.output()));
        }
        shapes.put(onnxOutput, shapes.remove(value));
        aliases.remove(onnxOutput);
        aliases.replaceAll((alias, target) -> target.equals(value) ? onnxOutput : target);
    }

    List<Node> nodes() {
        return nodes;
    }

    @Override
    public String toString() {
        return "GraphBuilder" + Arrays.toString(nodes.toArray());
    }
}
