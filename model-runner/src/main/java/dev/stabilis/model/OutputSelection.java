package dev.stabilis.model;

import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Shapes;
import dev.stabilis.graph.Softmax;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Picks the graph output a policy explains ({@code output.name}, or the only one) and, for {@code explain: logit},
 * steps back over a final softmax on the class axis so the logits it normalises are explained. The result must be
 * a classifier output, {@code [N, classes]}.
 */
final class OutputSelection {

    private OutputSelection() {}

    /**
     * @throws PolicyException naming {@code output.name} when the output does not exist, is ambiguous or is not a
     *     classifier's
     */
    static Graph select(Graph graph, ModelPolicy.Output output, Path policyFile, Path artifact) {
        String name = output.name();
        if (name == null) {
            if (graph.outputs().size() != 1) {
                throw new PolicyException(policyFile + ": output.name is required: " + artifact + " has outputs " + graph.outputs());
            }
            name = graph.outputs().get(0);
        } else if (!graph.outputs().contains(name)) {
            throw new PolicyException(policyFile + ": output.name '" + name + "' is not an output of " + artifact
                    + " (its outputs computed from the input: " + graph.outputs() + ")");
        }
        Graph chosen = graph.withOutput(name);
        if (output.explain().equals("logit")) {
            Node producer = chosen.producer(name);
            if (producer != null && producer.op() instanceof Softmax softmax && softmax.axis() == chosen.shape(name).length - 1) {
                chosen = chosen.withOutput(producer.inputs().get(0));
            }
        }
        long[] shape = chosen.shape(chosen.output());
        if (shape.length != 2 || shape[0] != Shapes.BATCH) {
            throw new PolicyException(artifact + ": output '" + name + "' has shape " + Arrays.toString(shape)
                    + " (-1 is the batch); a classifier output is [batch, classes]; name the output to explain with output.name in "
                    + policyFile);
        }
        return chosen;
    }
}
