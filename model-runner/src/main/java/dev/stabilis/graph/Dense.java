package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * A fully connected map on the last axis: {@code y = x Wᵀ + b} (MatMul by a constant matrix, Gemm).
 *
 * @param weight the matrix W, shape {@code [out, in]}
 * @param bias the bias b, shape {@code [out]}, or null for none
 */
public record Dense(HostTensor weight, HostTensor bias) implements Op {

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
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (in.length == 0 || in[in.length - 1] != inputs()) {
            throw new IllegalArgumentException("dense map expects last axis " + inputs() + ", input shape is " + Arrays.toString(in));
        }
        long[] out = in.clone();
        out[out.length - 1] = outputs();
        return out;
    }

    @Override
    public long multiplyAddsPerElement(List<long[]> inputs) {
        return inputs();
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.dense(this);
    }

    @Override
    public String toString() {
        return "Dense" + Arrays.toString(weight.shape()) + (bias == null ? "" : "+b");
    }
}
