package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015; β₁ = 0.9, β₂ = 0.999, ε = 1e−8) written on {@code NDArray}s. DJL's own
 * {@code Optimizer.adam()} was tried first: on the PyTorch engine (DJL 0.36, CPU) its fused update corrupted
 * the parameters at random steps in about one run of three (identical runs diverged at different epochs), while
 * these plain array operations reproduce the same trajectory run after run.
 */
final class AdamOptimizer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final double learningRate;
    private final Map<NDArray, NDArray[]> moments = new IdentityHashMap<>();
    private final Map<NDArray, Integer> steps = new IdentityHashMap<>();

    AdamOptimizer(double learningRate) {
        this.learningRate = learningRate;
    }

    /** Updates {@code parameter} in place from its gradient; the moments live in the parameter's manager. */
    void update(NDArray parameter, NDArray gradient) {
        NDArray[] m = moments.computeIfAbsent(parameter, p -> new NDArray[] {p.zerosLike(), p.zerosLike()});
        int t = steps.merge(parameter, 1, Integer::sum);
        m[0].muli(BETA1).addi(gradient.mul(1 - BETA1));
        m[1].muli(BETA2).addi(gradient.square().muli(1 - BETA2));
        double step = learningRate * Math.sqrt(1 - Math.pow(BETA2, t)) / (1 - Math.pow(BETA1, t));
        parameter.subi(m[0].div(m[1].sqrt().addi(EPSILON)).muli(step));
    }
}
