package dev.stabilis.graph;

import java.util.List;

/**
 * One operator application in a graph.
 *
 * @param name a name for messages (the ONNX node name where there is one)
 * @param op the operator
 * @param inputs the names of the values it reads, in the operator's order
 * @param output the name of the value it defines
 */
public record Node(String name, Op op, List<String> inputs, String output) {

    public Node {
        inputs = List.copyOf(inputs);
        if (op.arity() >= 0 && inputs.size() != op.arity()) {
            throw new IllegalArgumentException("node '" + name + "': " + op.getClass().getSimpleName() + " takes "
                    + op.arity() + " input(s), got " + inputs.size());
        }
        if (inputs.isEmpty() && op.arity() != 0) {
            throw new IllegalArgumentException("node '" + name + "' has no input");
        }
    }
}
