package dev.stabilis.certify;

import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Op;
import dev.stabilis.graph.Graph;
import java.util.List;
import java.util.Random;

/** Random parameters inside a parameter box {@code θ ± γ|θ|}, including its corners. */
final class ParameterDraws {

    private ParameterDraws() {}

    static Graph perturb(Graph graph, double gamma, Random random) {
        return graph.rewrite(node -> {
            Op drawn;
            if (node.op() instanceof Dense d) {
                drawn = new Dense(draw(d.weight(), gamma, random), draw(d.bias(), gamma, random));
            } else if (node.op() instanceof Conv2d c) {
                drawn = new Conv2d(draw(c.weight(), gamma, random), draw(c.bias(), gamma, random), c.strides(), c.pads(),
                        c.dilations(), c.groups());
            } else if (node.op() instanceof ElementwiseAffine a) {
                drawn = new ElementwiseAffine(draw(a.scale(), gamma, random), draw(a.shift(), gamma, random));
            } else {
                return null;
            }
            return List.of(new Node(node.name(), drawn, node.inputs(), node.output()));
        });
    }

    private static HostTensor draw(HostTensor t, double gamma, Random random) {
        if (t == null) {
            return null;
        }
        double[] v = t.data();
        boolean corner = random.nextBoolean();
        for (int i = 0; i < v.length; i++) {
            double u = corner ? (random.nextBoolean() ? 1 : -1) : 2 * random.nextDouble() - 1;
            // a hair inside the box, so float64 rounding of the product cannot step outside it
            v[i] = v[i] * (1 + u * gamma * (1 - 1e-9));
        }
        return new HostTensor(t.shape(), v);
    }
}
