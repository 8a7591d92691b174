package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.engine.TargetKind;
import java.util.Random;

/**
 * The Hessian-norm penalty of Dombrowski et al.: {@code λ ‖H‖²_F} of each sample's label logit with respect to
 * the input, by Hutchinson's estimate {@code E ‖H v‖²} over Gaussian probes v, with exact Hessian-vector
 * products of the engine's R-operator (ReLU networks through their softplus(β) surrogate).
 *
 * @param weight λ
 * @param probes Gaussian probes per sample
 * @param surrogateBeta softplus β that replaces ReLU
 * @param random probe source (seeded by the trainer)
 */
record HessianNorm(double weight, int probes, float surrogateBeta, Random random) implements Penalty {

    @Override
    public String name() {
        return "hessian";
    }

    @Override
    public NDArray of(BoundNetwork network, NDArray x, NDArray labels, double progress) {
        return weight == 0 ? x.getManager().zeros(new Shape()) : Penalty.scaled(frobeniusSquared(network.hessian(surrogateBeta), x, labels), weight, x.getManager());
    }

    /** The batch mean of the Hutchinson estimate of {@code ‖H‖²_F}. */
    NDArray frobeniusSquared(HessianVectorProduct products, NDArray x, NDArray labels) {
        NDArray total = null;
        for (int p = 0; p < probes; p++) {
            double[] v = new double[(int) x.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = random.nextGaussian();
            }
            NDArray hv = products.apply(x, labels, TargetKind.LOGIT, x.getManager().create(v, x.getShape()));
            NDArray squared = hv.square().sum(new int[] {1}).mean();
            total = total == null ? squared : total.add(squared);
        }
        return Penalty.scaled(total, 1.0 / probes, x.getManager());
    }
}
