package dev.stabilis.graph;

import java.util.Arrays;

/**
 * A fully connected layer on the last axis: {@code y = x Wᵀ + b}.
 *
 * @param weight the matrix W, shape {@code [out, in]}
 * @param bias the bias b, shape {@code [out]}, or null for none
 */
public record Dense(HostTensor weight, HostTensor bias) implements Layer {

    public Dense {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("dense weight must be a matrix, shape " + Arrays.toString(weight.shape()));
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != weight.dim(0))) {
            throw new IllegalArgumentException("dense bias shape " + Arrays.toString(bias.shape())
                    + " does not match " + weight.dim(0) + " outputs");
        }
    }

    public long inputs() {
        return weight.dim(1);
    }

    public long outputs() {
        return weight.dim(0);
    }

    @Override
    public Layer linearPart() {
        return new Dense(weight, null);
    }

    @Override
    public Layer magnitude() {
        return new Dense(weight.absolute(), null);
    }

    @Override
    public boolean hasParameters() {
        return true;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length == 0 || inputShape[inputShape.length - 1] != inputs()) {
            throw new IllegalArgumentException("dense layer expects last axis " + inputs()
                    + ", input shape is " + Arrays.toString(inputShape));
        }
        long[] out = inputShape.clone();
        out[out.length - 1] = outputs();
        return out;
    }
}
