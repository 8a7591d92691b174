package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import dev.stabilis.certify.IntervalBounds;
import dev.stabilis.engine.TargetKind;

/**
 * The certified-gradient constraint of Wicker et al. (2022): {@code λ mean(g_U − g_L)}, the mean width of the
 * interval bounds on the label logit's input gradient over the box {@code [x − ε_t, x + ε_t] ∩ [0, 1]}, from the
 * same bound propagation the monitor certifies with. ε grows linearly from 0 to ε over the first {@code ramp}
 * share of training, then stays.
 *
 * @param weight λ
 * @param epsilon final half-width in unit coordinates
 * @param ramp share of training over which ε grows, in (0, 1]
 */
record CertifiedWidth(double weight, double epsilon, double ramp) implements Penalty {

    @Override
    public String name() {
        return "width";
    }

    /** ε at a point of training. */
    double epsilonAt(double progress) {
        return epsilon * Math.min(1, progress / ramp);
    }

    @Override
    public NDArray of(BoundNetwork network, NDArray x, NDArray labels, double progress) {
        double eps = epsilonAt(progress);
        NDArray lower = x.sub(eps).maximum(0);
        NDArray upper = x.add(eps).minimum(1);
        IntervalBounds b = network.bounds().bounds(lower, upper, labels, TargetKind.LOGIT, 0);
        return Penalty.scaled(b.gradientUpper().sub(b.gradientLower()).mean(), weight, x.getManager());
    }
}
