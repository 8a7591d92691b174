package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import java.util.function.IntFunction;

/** Compiles one node into its kernel: uploads its constants and fixes its shapes. */
final class KernelFactory implements OpVisitor<Kernel> {

    private final NDManager manager;
    private final DataType type;
    private final Scalars scalars;
    private final IntFunction<NDArray[]> denseArrays;
    private Signature signature;
    private int denseCount;

    /**
     * @param denseArrays the arrays the n-th dense node computes with, or null for its own constants
     */
    KernelFactory(NDManager manager, DataType type, Scalars scalars, IntFunction<NDArray[]> denseArrays) {
        this.manager = manager;
        this.type = type;
        this.scalars = scalars;
        this.denseArrays = denseArrays;
    }

    /** The kernel of the next node, whose shapes are {@code signature}. */
    Kernel compile(dev.stabilis.graph.Op op, Signature signature) {
        this.signature = signature;
        return op.accept(this);
    }

    @Override
    public Kernel dense(Dense op) {
        if (denseArrays != null) {
            NDArray[] arrays = denseArrays.apply(denseCount++);
            return new DenseKernel(arrays[0], arrays[1]);
        }
        return new DenseKernel(op, manager, type);
    }

    @Override
    public Kernel conv2d(Conv2d op) {
        return new ConvKernel(op, signature.inputs()[0], manager, type);
    }

    @Override
    public Kernel elementwiseAffine(ElementwiseAffine op) {
        return new AffineKernel(op, manager, type);
    }

    @Override
    public Kernel averagePool2d(AveragePool2d op) {
        return new AveragePoolKernel(op, signature.inputs()[0], manager, type);
    }

    @Override
    public Kernel constantPad(ConstantPad op) {
        return new PadKernel(op, signature, manager, type);
    }

    @Override
    public Kernel reshape(Reshape op) {
        return new DataMovementKernels.ReshapeKernel(op, signature);
    }

    @Override
    public Kernel transpose(Transpose op) {
        return new DataMovementKernels.TransposeKernel(op);
    }

    @Override
    public Kernel select(Select op) {
        return new DataMovementKernels.SelectKernel(op, signature, manager, type);
    }

    @Override
    public Kernel concat(Concat op) {
        return new DataMovementKernels.ConcatKernel(op, signature);
    }

    @Override
    public Kernel expand(Expand op) {
        return new DataMovementKernels.ExpandKernel(op, signature);
    }

    @Override
    public Kernel constant(Constant op) {
        return new ArithmeticKernels.ConstantKernel(op, signature, manager, type);
    }

    @Override
    public Kernel reduce(Reduce op) {
        return new ArithmeticKernels.ReduceKernel(op, signature, scalars);
    }

    @Override
    public Kernel reduceMax(ReduceMax op) {
        return new MaxKernels.ReduceMaxKernel(op, signature);
    }

    @Override
    public Kernel maxPool2d(MaxPool2d op) {
        return new MaxKernels.MaxPoolKernel(op, signature);
    }

    @Override
    public Kernel add(Add op) {
        return new ArithmeticKernels.AddKernel(signature);
    }

    @Override
    public Kernel mul(Mul op) {
        return new ProductKernels.MulKernel();
    }

    @Override
    public Kernel div(Div op) {
        return new ProductKernels.DivKernel();
    }

    @Override
    public Kernel matMul(MatMul op) {
        return new ProductKernels.MatMulKernel();
    }

    @Override
    public Kernel activation(Activation op) {
        return new ElementwiseKernels.ActivationKernel(op, scalars);
    }

    @Override
    public Kernel pRelu(PRelu op) {
        return new ElementwiseKernels.PReluKernel(op, manager, type, scalars);
    }

    @Override
    public Kernel softmax(Softmax op) {
        return new NormalizingKernels.SoftmaxKernel(op);
    }

    @Override
    public Kernel normalize(Normalize op) {
        return new NormalizingKernels.NormalizeKernel(op, signature, scalars);
    }
}
