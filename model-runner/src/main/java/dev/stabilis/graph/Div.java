package dev.stabilis.graph;

import java.util.List;

/** The quotient of two variable tensors with numpy broadcasting (a decomposed normalisation x / σ). */
public record Div() implements Op {

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        return Shapes.broadcast(inputs.get(0), inputs.get(1));
    }

    @Override
    public boolean isAffine() {
        return false;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.div(this);
    }
}
