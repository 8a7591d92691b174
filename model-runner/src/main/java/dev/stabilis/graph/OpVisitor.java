package dev.stabilis.graph;

/**
 * One method per operator kind: an analysis implements all of them, so adding a kind to {@link Op} fails to
 * compile until every analysis has its rule.
 *
 * @param <R> what the analysis makes of an operator (a device kernel, an interval rule, ONNX nodes)
 */
public interface OpVisitor<R> {

    R dense(Dense op);

    R conv2d(Conv2d op);

    R elementwiseAffine(ElementwiseAffine op);

    R averagePool2d(AveragePool2d op);

    R constantPad(ConstantPad op);

    R reshape(Reshape op);

    R transpose(Transpose op);

    R select(Select op);

    R concat(Concat op);

    R expand(Expand op);

    R constant(Constant op);

    R reduce(Reduce op);

    R reduceMax(ReduceMax op);

    R maxPool2d(MaxPool2d op);

    R add(Add op);

    R mul(Mul op);

    R div(Div op);

    R matMul(MatMul op);

    R activation(Activation op);

    R pRelu(PRelu op);

    R softmax(Softmax op);

    R normalize(Normalize op);
}
