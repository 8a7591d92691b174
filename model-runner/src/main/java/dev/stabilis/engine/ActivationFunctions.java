package dev.stabilis.engine;

import static dev.stabilis.engine.Tensors.minus;
import static dev.stabilis.engine.Tensors.over;
import static dev.stabilis.engine.Tensors.where;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The activation functions σ with σ′ and σ″, elementwise on {@code NDArray}s. Derivatives follow PyTorch at kinks
 * (ReLU′(0) = 0, LeakyReLU′(0) = α, ELU′(0) = α, HardSwish′(±3) from the middle piece, Clip′ = 1 at its bounds).
 * Constants are arrays from {@link Scalars} and no operation runs in place, so autograd can differentiate through
 * every expression (hardening trains through them); exponentials take clamped arguments so the unused branch of a
 * selection never holds ∞.
 */
public final class ActivationFunctions {

    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private final dev.stabilis.graph.Activation op;
    private final Scalars k;

    public ActivationFunctions(dev.stabilis.graph.Activation op, Scalars scalars) {
        this.op = op;
        this.k = scalars;
    }

    /** σ(z). */
    public NDArray value(NDArray z) {
        double a = op.alpha();
        double b = op.beta();
        return switch (op.kind()) {
            case RELU -> Activation.relu(z);
            case LEAKY_RELU -> where(z.gt(k.of(0)), z, z.mul(k.of(a)));
            case ELU -> elu(z, a, 1);
            case SELU -> elu(z, a, b);
            case SIGMOID -> Activation.sigmoid(z);
            case TANH -> Activation.tanh(z);
            case SOFTPLUS -> Activation.softPlus(z);
            case GELU -> z.mul(normalCdf(z));
            case ERF -> z.erf();
            case SILU -> z.mul(Activation.sigmoid(z));
            case HARD_SIGMOID -> z.mul(k.of(a)).add(k.of(b)).maximum(k.of(0)).minimum(k.of(1));
            case HARD_SWISH -> z.add(k.of(3)).maximum(k.of(0)).minimum(k.of(6)).mul(z).mul(k.of(1.0 / 6));
            case CLIP -> clip(z, a, b);
            case EXP -> z.exp();
            case LOG -> z.log();
            case SQRT -> z.sqrt();
            case POW -> z.pow(k.of(a));
            case ABS -> z.abs();
            case RECIPROCAL -> over(k.of(1), z);
        };
    }

    /** σ′(z). */
    public NDArray derivative(NDArray z) {
        double a = op.alpha();
        double b = op.beta();
        return switch (op.kind()) {
            case RELU -> z.gt(k.of(0)).toType(z.getDataType(), false);
            case LEAKY_RELU -> where(z.gt(k.of(0)), k.of(1), k.of(a));
            case ELU -> where(z.gt(k.of(0)), k.of(1), expOfNegativePart(z).mul(k.of(a)));
            case SELU -> where(z.gt(k.of(0)), k.of(b), expOfNegativePart(z).mul(k.of(a * b)));
            case SIGMOID -> {
                NDArray s = Activation.sigmoid(z);
                yield s.mul(minus(k.of(1), s));
            }
            case TANH -> minus(k.of(1), Activation.tanh(z).square());
            case SOFTPLUS -> Activation.sigmoid(z);
            case GELU -> normalCdf(z).add(z.mul(normalPdf(z)));
            case ERF -> z.square().neg().exp().mul(k.of(TWO_OVER_SQRT_PI));
            case SILU -> {
                NDArray s = Activation.sigmoid(z);
                yield s.mul(z.mul(minus(k.of(1), s)).add(k.of(1)));
            }
            case HARD_SIGMOID -> {
                NDArray y = z.mul(k.of(a)).add(k.of(b));
                yield where(y.gt(k.of(0)).logicalAnd(y.lt(k.of(1))), k.of(a), k.of(0));
            }
            case HARD_SWISH -> where(z.lt(k.of(-3)), k.of(0), where(z.lte(k.of(3)), z.mul(k.of(1.0 / 3)).add(k.of(0.5)), k.of(1)));
            case CLIP -> z.gte(k.of(a)).logicalAnd(z.lte(k.of(b))).toType(z.getDataType(), false);
            case EXP -> z.exp();
            case LOG -> over(k.of(1), z);
            case SQRT -> over(k.of(0.5), z.sqrt());
            case POW -> a == 0 ? z.zerosLike() : z.pow(k.of(a - 1)).mul(k.of(a));
            case ABS -> z.sign();
            case RECIPROCAL -> over(k.of(-1), z.square());
        };
    }

    /** σ″(z); zero for the piecewise linear functions. */
    public NDArray secondDerivative(NDArray z) {
        double a = op.alpha();
        double b = op.beta();
        return switch (op.kind()) {
            case RELU, LEAKY_RELU, HARD_SIGMOID, CLIP, ABS -> z.zerosLike();
            case ELU -> where(z.gt(k.of(0)), k.of(0), expOfNegativePart(z).mul(k.of(a)));
            case SELU -> where(z.gt(k.of(0)), k.of(0), expOfNegativePart(z).mul(k.of(a * b)));
            case SIGMOID -> {
                NDArray s = Activation.sigmoid(z);
                yield s.mul(minus(k.of(1), s)).mul(minus(k.of(1), s.add(s)));
            }
            case TANH -> {
                NDArray t = Activation.tanh(z);
                yield t.add(t).neg().mul(minus(k.of(1), t.square()));
            }
            case SOFTPLUS -> {
                NDArray s = Activation.sigmoid(z);
                yield s.mul(minus(k.of(1), s));
            }
            case GELU -> normalPdf(z).mul(minus(k.of(2), z.square()));
            case ERF -> z.square().neg().exp().mul(z).mul(k.of(-2 * TWO_OVER_SQRT_PI));
            case SILU -> {
                NDArray s = Activation.sigmoid(z);
                NDArray oneMinus = minus(k.of(1), s);
                yield s.mul(oneMinus).mul(z.mul(oneMinus.sub(s)).add(k.of(2)));
            }
            case HARD_SWISH -> where(z.gte(k.of(-3)).logicalAnd(z.lte(k.of(3))), k.of(1.0 / 3), k.of(0));
            case EXP -> z.exp();
            case LOG -> over(k.of(-1), z.square());
            case SQRT -> over(k.of(-0.25), z.sqrt().mul(z));
            case POW -> a == 0 || a == 1 ? z.zerosLike() : z.pow(k.of(a - 2)).mul(k.of(a * (a - 1)));
            case RECIPROCAL -> over(k.of(2), z.square().mul(z));
        };
    }

    private NDArray elu(NDArray z, double a, double scale) {
        NDArray negative = expOfNegativePart(z).sub(k.of(1)).mul(k.of(a));
        NDArray y = where(z.gt(k.of(0)), z, negative);
        return scale == 1 ? y : y.mul(k.of(scale));
    }

    /** {@code exp(min(z, 0))}: finite everywhere, and equal to eᶻ where the negative branch uses it. */
    private NDArray expOfNegativePart(NDArray z) {
        return z.minimum(k.of(0)).exp();
    }

    private NDArray clip(NDArray z, double lo, double hi) {
        return z.maximum(k.of(lo)).minimum(k.of(hi));
    }

    private NDArray normalCdf(NDArray z) {
        return z.mul(k.of(SQRT_HALF)).erf().add(k.of(1)).mul(k.of(0.5));
    }

    private NDArray normalPdf(NDArray z) {
        return z.square().mul(k.of(-0.5)).exp().mul(k.of(INV_SQRT_2PI));
    }
}
