package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;
import java.util.Random;

/**
 * SmoothGrad (Smilkov et al. 2017): the mean gradient over n Gaussian perturbations of the input. The noise
 * ξ_1..ξ_n is drawn once from the seed and shared by every row, so a sample's attribution does not depend on
 * the batch it arrives in (the fixed-noise estimator).
 */
public final class SmoothGrad implements Explainer {

    private final int samples;
    private final float[] sigma;
    private final long seed;

    /**
     * @param samples number of noisy copies n
     * @param sigma noise standard deviation per input feature (flattened), in input units
     * @param seed noise seed
     */
    public SmoothGrad(int samples, float[] sigma, long seed) {
        if (samples < 1) {
            throw new IllegalArgumentException("SmoothGrad needs at least 1 sample, got " + samples);
        }
        this.samples = samples;
        this.sigma = sigma.clone();
        this.seed = seed;
    }

    @Override
    public String method() {
        return "smoothgrad";
    }

    @Override
    public int rowsPerSample() {
        return samples;
    }

    /**
     * The noise ξ_1..ξ_n every row is perturbed by, {@code [samples × features]} row-major: element i is
     * {@code (float) (nextGaussian() · sigma[i mod features])} of {@code java.util.Random(seed)}.
     */
    public float[] noise() {
        float[] noise = new float[samples * sigma.length];
        Random random = new Random(seed);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (random.nextGaussian() * sigma[i % sigma.length]);
        }
        return noise;
    }

    @Override
    public Attribution attribute(DifferentiableModel model, NDArray input, NDArray classes, TargetKind kind) {
        Attribution at = Attribution.atInput(model, input, classes);
        long n = input.getShape().get(0);
        Shape sample = input.getShape().slice(1);
        int features = (int) sample.size();
        if (sigma.length != features) {
            throw new IllegalArgumentException("SmoothGrad sigma has " + sigma.length + " values, the input " + features);
        }
        NDArray xi = input.getManager().create(noise(), new Shape(samples, 1).addAll(sample)).toType(input.getDataType(), false);
        NDArray noisy = xi.add(input.expandDims(0)).reshape(new Shape(samples * n).addAll(sample));
        return at.withValues(model.gradients(noisy, at.classes().tile(samples), kind).gradient()
                .reshape(new Shape(samples, n).addAll(sample)).mean(new int[] {0}));
    }
}
