package dev.stabilis.certify;

import dev.stabilis.engine.GraphModel;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Add;
import dev.stabilis.graph.AveragePool2d;
import dev.stabilis.graph.Concat;
import dev.stabilis.graph.Constant;
import dev.stabilis.graph.ConstantPad;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Div;
import dev.stabilis.graph.ElementwiseAffine;
import dev.stabilis.graph.Expand;
import dev.stabilis.graph.MatMul;
import dev.stabilis.graph.MaxPool2d;
import dev.stabilis.graph.Mul;
import dev.stabilis.graph.Normalize;
import dev.stabilis.graph.OpVisitor;
import dev.stabilis.graph.PRelu;
import dev.stabilis.graph.Reduce;
import dev.stabilis.graph.ReduceMax;
import dev.stabilis.graph.Reshape;
import dev.stabilis.graph.Select;
import dev.stabilis.graph.Softmax;
import dev.stabilis.graph.Transpose;

/** The interval rule of each node of a float64 model (ALGORITHMS.md §1 and §6). */
final class IntervalRules implements OpVisitor<IntervalRule> {

    private final GraphModel model;
    private final SingleRadii singleRadii;
    private int node;

    private IntervalRules(GraphModel model, SingleRadii singleRadii) {
        this.model = model;
        this.singleRadii = singleRadii;
    }

    /** The rules of every node, in node order. */
    static IntervalRule[] of(GraphModel model) {
        return of(model, SingleRadii.WHERE_FASTER);
    }

    /** The rules of every node, with the given dense radius products in float32 ({@link AffineRule}). */
    static IntervalRule[] of(GraphModel model, SingleRadii singleRadii) {
        IntervalRules rules = new IntervalRules(model, singleRadii);
        IntervalRule[] out = new IntervalRule[model.size()];
        for (int i = 0; i < out.length; i++) {
            rules.node = i;
            out[i] = model.graph().nodes().get(i).op().accept(rules);
        }
        return out;
    }

    private IntervalRule affine() {
        return new AffineRule(model, node, singleRadii);
    }

    @Override
    public IntervalRule dense(Dense op) {
        return affine();
    }

    @Override
    public IntervalRule conv2d(Conv2d op) {
        return affine();
    }

    @Override
    public IntervalRule elementwiseAffine(ElementwiseAffine op) {
        return affine();
    }

    @Override
    public IntervalRule averagePool2d(AveragePool2d op) {
        return affine();
    }

    @Override
    public IntervalRule constantPad(ConstantPad op) {
        return affine();
    }

    @Override
    public IntervalRule reshape(Reshape op) {
        return affine();
    }

    @Override
    public IntervalRule transpose(Transpose op) {
        return affine();
    }

    @Override
    public IntervalRule select(Select op) {
        return affine();
    }

    @Override
    public IntervalRule concat(Concat op) {
        return affine();
    }

    @Override
    public IntervalRule expand(Expand op) {
        return affine();
    }

    @Override
    public IntervalRule constant(Constant op) {
        return affine();
    }

    @Override
    public IntervalRule reduce(Reduce op) {
        return affine();
    }

    @Override
    public IntervalRule add(Add op) {
        return affine();
    }

    @Override
    public IntervalRule reduceMax(ReduceMax op) {
        return new MaxRule(model, node);
    }

    @Override
    public IntervalRule maxPool2d(MaxPool2d op) {
        return new MaxRule(model, node);
    }

    @Override
    public IntervalRule mul(Mul op) {
        return new ProductRules.MulRule(model);
    }

    @Override
    public IntervalRule div(Div op) {
        return new ProductRules.DivRule(model);
    }

    @Override
    public IntervalRule matMul(MatMul op) {
        return new ProductRules.MatMulRule(model);
    }

    @Override
    public IntervalRule activation(Activation op) {
        return new ActivationRule(model, node, op);
    }

    @Override
    public IntervalRule pRelu(PRelu op) {
        return new ProductRules.PReluRule(model, node);
    }

    @Override
    public IntervalRule softmax(Softmax op) {
        return new SoftmaxRule(op.axis(), op.log(), model.scalars());
    }

    @Override
    public IntervalRule normalize(Normalize op) {
        long[] shape = model.graph().shape(model.graph().nodes().get(node).inputs().get(0));
        long count = 1;
        for (int a : op.axes()) {
            count *= shape[a];
        }
        return new NormalizeRule(op.axes(), count, op.epsilon(), model.scalars());
    }
}
