package dev.stabilis.graph;

import java.util.List;

/**
 * {@code x} where {@code x > 0}, {@code slope ⊙ x} elsewhere, with a constant slope broadcast into the input
 * (per channel in PReLU).
 *
 * @param slope the negative slope
 */
public record PRelu(HostTensor slope) implements Op {

    @Override
    public long[] outputShape(List<long[]> inputs) {
        Shapes.checkBroadcastsInto(inputs.get(0), slope.shape());
        return inputs.get(0).clone();
    }

    @Override
    public boolean isAffine() {
        return false;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.pRelu(this);
    }
}
