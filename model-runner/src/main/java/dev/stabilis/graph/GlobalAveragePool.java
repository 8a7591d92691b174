package dev.stabilis.graph;

import java.util.Arrays;

/** Mean over all spatial axes of {@code [channels, d1, d2, ...]}, keeping them as size-1 axes. */
public record GlobalAveragePool() implements Layer {

    @Override
    public Layer linearPart() {
        return this;
    }

    @Override
    public Layer magnitude() {
        return this;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length < 2) {
            throw new IllegalArgumentException("global average pool needs [C, spatial...] input, got "
                    + Arrays.toString(inputShape));
        }
        long[] out = new long[inputShape.length];
        Arrays.fill(out, 1);
        out[0] = inputShape[0];
        return out;
    }
}
