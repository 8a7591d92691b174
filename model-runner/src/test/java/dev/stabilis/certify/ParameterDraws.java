package dev.stabilis.certify;

import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Layer;
import dev.stabilis.graph.LayerGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random parameters inside a parameter box {@code θ ± γ|θ|}, including its corners. */
final class ParameterDraws {

    private ParameterDraws() {}

    static LayerGraph perturb(LayerGraph graph, double gamma, Random random) {
        List<Layer> layers = new ArrayList<>();
        for (Layer layer : graph.layers()) {
            if (layer instanceof Dense d) {
                layers.add(new Dense(draw(d.weight(), gamma, random), draw(d.bias(), gamma, random)));
            } else if (layer instanceof Conv2d c) {
                layers.add(new Conv2d(draw(c.weight(), gamma, random), draw(c.bias(), gamma, random), c.strides(), c.pads(),
                        c.dilations(), c.groups()));
            } else if (layer instanceof ElementwiseAffine a) {
                layers.add(new ElementwiseAffine(draw(a.scale(), gamma, random), draw(a.shift(), gamma, random)));
            } else {
                layers.add(layer);
            }
        }
        return new LayerGraph(graph.inputName(), graph.inputShape(), layers);
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
