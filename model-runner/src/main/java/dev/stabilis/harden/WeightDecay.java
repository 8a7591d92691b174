package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;

/** Weight decay {@code λ Σ ‖W‖²} over the dense weights (Dombrowski et al.: small weights bound curvature). */
record WeightDecay(double weight) implements Penalty {

    @Override
    public String name() {
        return "decay";
    }

    @Override
    public NDArray of(BoundNetwork network, NDArray x, NDArray labels, double progress) {
        return Penalty.scaled(Parameters.weightNormSquared(network.parameters()), weight, x.getManager());
    }
}
