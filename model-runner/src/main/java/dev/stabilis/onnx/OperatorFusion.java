package dev.stabilis.onnx;

import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Activation.Kind;
import dev.stabilis.graph.Add;
import dev.stabilis.graph.Div;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Mul;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Normalize;
import dev.stabilis.graph.Reduce;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recognises the decomposed forms in which exporters (torch 1.13 before opset 17 and 14, hand-written modules) write
 * common functions, and replaces each by the single operator the graph has for it:
 *
 * <ul>
 *   <li>SiLU {@code x · Sigmoid(x)} → {@link Kind#SILU};
 *   <li>HardSwish {@code x · HardSigmoid(x)} with α = 1/6, β = 1/2 → {@link Kind#HARD_SWISH};
 *   <li>exact GELU {@code x · ½ · (1 + erf(x / √2))} with its scalar factors in any order and place (torch's
 *       {@code nn.GELU} writes {@code (x · (erf(x / √2) + 1)) · ½}) → {@link Kind#GELU};
 *   <li>LayerNorm {@code (x − mean(x)) / √(mean((x − mean(x))²) + ε)} (the square as Pow 2 or a product with itself)
 *       → {@link Normalize}, with the scale and the shift that follow it merged into one {@link ElementwiseAffine}.
 * </ul>
 *
 * <p>Each fused operator computes the same function, but its interval rules see one variable where the decomposed form
 * sees several operands that only the graph knows to be equal (the dependency problem), so its bounds are tighter.
 * A pattern is fused only when no node outside it reads its intermediate values, and constants must equal the exact
 * ones (1/√2, 1/6) up to float32 rounding.
 */
final class OperatorFusion {

    /** Relative tolerance of a constant that stands for an exact one: float32 rounding. */
    private static final double FLOAT32_ROUNDING = 0x1p-23;

    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, Integer> readers;

    private OperatorFusion(Graph graph) {
        for (Node node : graph.nodes()) {
            producers.put(node.output(), node);
        }
        this.readers = graph.readers();
    }

    /** The graph with every recognised decomposed form replaced by its operator. */
    static Graph fuse(Graph graph) {
        Graph fused = new OperatorFusion(graph).rewrite(graph, false);
        return new OperatorFusion(fused).rewrite(fused, true);
    }

    /** A match: the nodes it removes (its last one included) and the node that replaces the last. */
    private record Match(List<Node> nodes, Node replacement) {}

    /**
     * One pass over the nodes from last to first, so a pattern is matched at its last node before a smaller one
     * inside it is.
     *
     * @param affineAfterNormalize whether this pass merges affine maps after normalisations (which the first
     *     pass creates) instead of fusing decomposed functions
     */
    private Graph rewrite(Graph graph, boolean affineAfterNormalize) {
        Map<String, Node> replacements = new HashMap<>();
        Set<String> removed = new HashSet<>();
        List<Node> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node end = nodes.get(i);
            if (removed.contains(end.output())) {
                continue;
            }
            Match match = affineAfterNormalize ? affineAfterNormalize(end) : firstOf(end);
            if (match == null || match.nodes().stream().anyMatch(n -> removed.contains(n.output()))) {
                continue;
            }
            match.nodes().forEach(n -> removed.add(n.output()));
            replacements.put(end.output(), match.replacement());
        }
        if (replacements.isEmpty()) {
            return graph;
        }
        return graph.rewrite(node -> replacements.containsKey(node.output()) ? List.of(replacements.get(node.output()))
                : removed.contains(node.output()) ? List.of() : null);
    }

    private Match firstOf(Node end) {
        Match match = gatedActivation(end);
        if (match == null) {
            match = gelu(end);
        }
        if (match == null) {
            match = layerNorm(end);
        }
        return match;
    }

    /** SiLU and HardSwish: {@code x · gate(x)}. */
    private Match gatedActivation(Node mul) {
        if (!(mul.op() instanceof Mul)) {
            return null;
        }
        for (int side = 0; side < 2; side++) {
            String x = mul.inputs().get(side);
            Node gate = privateProducer(mul.inputs().get(1 - side));
            if (gate == null || !gate.inputs().get(0).equals(x) || !(gate.op() instanceof Activation a)) {
                continue;
            }
            Kind fused = a.kind() == Kind.SIGMOID ? Kind.SILU
                    : a.kind() == Kind.HARD_SIGMOID && near(a.alpha(), 1.0 / 6) && a.beta() == 0.5 ? Kind.HARD_SWISH : null;
            if (fused != null) {
                return new Match(List.of(mul, gate), new Node(mul.name(), Activation.of(fused), List.of(x), mul.output()));
            }
        }
        return null;
    }

    /**
     * Exact GELU: a product {@code (a·x) · (b·erf(c·x) + d)}, optionally scaled by {@code e} after, with
     * {@code c = 1/√2} and {@code e·a·b = e·a·d = ½}.
     */
    private Match gelu(Node end) {
        List<Node> nodes = new ArrayList<>();
        Node mul = end;
        double outer = 1;
        if (end.op() instanceof ElementwiseAffine a) {
            Double scale = scalar(a.scale(), 1);
            Affine rest = unwrap(end.inputs().get(0));
            mul = privateProducer(rest.base());
            if (scale == null || a.shift() != null || rest.shift() != 0 || mul == null) {
                return null;
            }
            outer = scale * rest.scale();
            nodes.add(end);
            nodes.addAll(rest.nodes());
        }
        if (!(mul.op() instanceof Mul)) {
            return null;
        }
        nodes.add(mul);
        for (int side = 0; side < 2; side++) {
            Affine x = unwrap(mul.inputs().get(side));
            Affine gate = unwrap(mul.inputs().get(1 - side));
            Node erf = privateProducer(gate.base());
            if (x.shift() != 0 || !isActivation(erf, Kind.ERF)) {
                continue;
            }
            Affine argument = unwrap(erf.inputs().get(0));
            double factor = outer * x.scale();
            if (argument.base().equals(x.base()) && argument.shift() == 0 && near(argument.scale(), Math.sqrt(0.5))
                    && near(factor * gate.scale(), 0.5) && near(factor * gate.shift(), 0.5)) {
                nodes.addAll(x.nodes());
                nodes.addAll(gate.nodes());
                nodes.add(erf);
                nodes.addAll(argument.nodes());
                return new Match(nodes, new Node(end.name(), Activation.of(Kind.GELU), List.of(x.base()), end.output()));
            }
        }
        return null;
    }

    /**
     * LayerNorm's core {@code d / √(mean(d²) + ε)} with {@code d = x − mean(x)}, both means over the same axes with
     * kept dimensions.
     */
    private Match layerNorm(Node div) {
        if (!(div.op() instanceof Div)) {
            return null;
        }
        String deviation = div.inputs().get(0);
        Node sqrt = privateProducer(div.inputs().get(1));
        if (!isActivation(sqrt, Kind.SQRT)) {
            return null;
        }
        Affine plusEpsilon = unwrap(sqrt.inputs().get(0));
        Node variance = privateProducer(plusEpsilon.base());
        Node square = variance == null ? null : privateProducer(variance.inputs().get(0));
        Node centre = producers.get(deviation);
        if (plusEpsilon.scale() != 1 || !(plusEpsilon.shift() > 0) || !isMean(variance) || square == null
                || !(square.op() instanceof Activation p && p.kind() == Kind.POW && p.alpha() == 2)
                || !square.inputs().get(0).equals(deviation) || centre == null || !(centre.op() instanceof Add)
                || readers.getOrDefault(deviation, 0) != 2) {
            return null;
        }
        int[] axes = ((Reduce) variance.op()).axes();
        for (int side = 0; side < 2; side++) {
            String x = centre.inputs().get(side);
            Affine negated = unwrap(centre.inputs().get(1 - side));
            Node mean = privateProducer(negated.base());
            if (negated.scale() == -1 && negated.shift() == 0 && isMean(mean) && mean.inputs().get(0).equals(x)
                    && java.util.Arrays.equals(((Reduce) mean.op()).axes(), axes)) {
                List<Node> nodes = new ArrayList<>(List.of(div, sqrt, variance, square, centre, mean));
                nodes.addAll(plusEpsilon.nodes());
                nodes.addAll(negated.nodes());
                return new Match(nodes, new Node(div.name(), new Normalize(axes, plusEpsilon.shift()), List.of(x), div.output()));
            }
        }
        return null;
    }

    /** A scale then a shift after a normalisation, as one elementwise affine map (what LayerNormalization becomes). */
    private Match affineAfterNormalize(Node shift) {
        if (!(shift.op() instanceof ElementwiseAffine second) || second.scale() != null) {
            return null;
        }
        Node scale = privateProducer(shift.inputs().get(0));
        if (scale == null || !(scale.op() instanceof ElementwiseAffine first) || first.shift() != null) {
            return null;
        }
        Node normalize = privateProducer(scale.inputs().get(0));
        if (normalize == null || !(normalize.op() instanceof Normalize)) {
            return null;
        }
        return new Match(List.of(shift, scale), new Node(shift.name(), new ElementwiseAffine(first.scale(), second.shift()),
                scale.inputs(), shift.output()));
    }

    /** {@code value = scale · base + shift} through scalar elementwise affine nodes that nothing else reads. */
    private record Affine(String base, double scale, double shift, List<Node> nodes) {}

    private Affine unwrap(String value) {
        double scale = 1;
        double shift = 0;
        List<Node> nodes = new ArrayList<>();
        String current = value;
        for (Node node = privateProducer(current); node != null && node.op() instanceof ElementwiseAffine a;
                node = privateProducer(current)) {
            Double s = scalar(a.scale(), 1);
            Double t = scalar(a.shift(), 0);
            if (s == null || t == null) {
                break;
            }
            shift += scale * t;
            scale *= s;
            nodes.add(node);
            current = node.inputs().get(0);
        }
        return new Affine(current, scale, shift, nodes);
    }

    /** The node that defines {@code value} when exactly one node (or graph output) reads it; else null. */
    private Node privateProducer(String value) {
        return readers.getOrDefault(value, 0) == 1 ? producers.get(value) : null;
    }

    private static boolean isActivation(Node node, Kind kind) {
        return node != null && node.op() instanceof Activation a && a.kind() == kind;
    }

    private static boolean isMean(Node node) {
        return node != null && node.op() instanceof Reduce r && r.mean() && r.keepDims();
    }

    /** The single value of a constant, {@code absent} for none, null for a constant of several values. */
    private static Double scalar(HostTensor constant, double absent) {
        if (constant == null) {
            return absent;
        }
        return constant.size() == 1 ? constant.get(0) : null;
    }

    private static boolean near(double value, double exact) {
        return Math.abs(value - exact) <= FLOAT32_ROUNDING * Math.abs(exact);
    }
}
