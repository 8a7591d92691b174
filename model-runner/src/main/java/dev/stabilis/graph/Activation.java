package dev.stabilis.graph;

import java.util.List;

/**
 * An elementwise function σ applied to one variable input.
 *
 * <p>Each kind describes its shape for interval analysis: where σ and σ′ have interior extrema
 * ({@link Kind#valueCriticalPoints}, {@link Kind#derivativeCriticalPoints}), where σ′ jumps ({@link Kind#kinks},
 * with both one-sided values), and the open domain outside which σ is undefined. The range of σ or σ′ over an
 * interval is then the hull of its values at the ends, at the critical points inside and at the kinks inside.
 * Derivatives at kinks follow PyTorch (ReLU′(0) = 0, LeakyReLU′(0) = α, Clip′ = 1 at the bounds).
 *
 * @param kind the function
 * @param alpha its first parameter (LeakyReLU and ELU α, SELU α, HardSigmoid α, Clip's minimum, Pow's exponent)
 * @param beta its second parameter (SELU γ, HardSigmoid β, Clip's maximum)
 */
public record Activation(Kind kind, double alpha, double beta) implements Op {

    /** The supported functions. */
    public enum Kind {
        /** max(0, z). */
        RELU,
        /** z for z &gt; 0, α·z otherwise. */
        LEAKY_RELU,
        /** z for z &gt; 0, α(eᶻ − 1) otherwise. */
        ELU,
        /** γ·(z for z &gt; 0, α(eᶻ − 1) otherwise). */
        SELU,
        /** 1 / (1 + e⁻ᶻ). */
        SIGMOID,
        /** tanh z. */
        TANH,
        /** log(1 + eᶻ); β variants arrive as scalings around it. */
        SOFTPLUS,
        /** z·Φ(z), Φ the standard normal distribution function (exact GELU). */
        GELU,
        /** The error function. */
        ERF,
        /** z·sigmoid(z) (SiLU, swish). */
        SILU,
        /** max(0, min(1, α·z + β)). */
        HARD_SIGMOID,
        /** z·max(0, min(6, z + 3)) / 6. */
        HARD_SWISH,
        /** min(max(z, α), β) (ReLU6 with α = 0, β = 6). */
        CLIP,
        /** eᶻ. */
        EXP,
        /** log z, for z &gt; 0. */
        LOG,
        /** √z, for z ≥ 0 (σ′ unbounded at 0). */
        SQRT,
        /** z^α for a constant α (integer α for negative z). */
        POW,
        /** |z|. */
        ABS,
        /** 1 / z, for z ≠ 0. */
        RECIPROCAL;

        /** Whether σ is computed exactly in floating point (no rounding to widen for). */
        public boolean exactValue() {
            return this == RELU || this == CLIP || this == ABS;
        }

        /** Whether σ′ takes only exact constant values (piecewise linear functions). */
        public boolean exactDerivative() {
            return this == RELU || this == LEAKY_RELU || this == CLIP || this == ABS || this == HARD_SIGMOID;
        }

        /** Whether σ is piecewise linear, so that σ″ = 0 wherever it is defined. */
        public boolean piecewiseLinear() {
            return exactDerivative();
        }
    }

    /** SELU's α and γ (torch and ONNX defaults). */
    public static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    public static final double SELU_GAMMA = 1.0507009873554804934193349852946;

    /** GELU's minimum: σ′(z) = Φ(z) + z φ(z) = 0. */
    static final double GELU_VALUE_CRITICAL = -0.7517915246935645;
    /** SiLU's minimum: σ(z)(1 + z(1 − σ(z))) = 0. */
    static final double SILU_VALUE_CRITICAL = -1.2784645427610738;
    /** SiLU′'s extrema: z·tanh(z/2) = 2. */
    static final double SILU_DERIVATIVE_CRITICAL = 2.3993572805154676;

    public Activation {
        if (kind == null) {
            throw new IllegalArgumentException("activation kind is required");
        }
        if (kind == Kind.CLIP && !(alpha <= beta)) {
            throw new IllegalArgumentException("clip needs min ≤ max, got [" + alpha + ", " + beta + "]");
        }
        if (kind == Kind.HARD_SIGMOID && !(alpha > 0)) {
            throw new IllegalArgumentException("hard sigmoid needs α > 0, got " + alpha);
        }
    }

    /** A function without parameters (or with ONNX's defaults for them). */
    public static Activation of(Kind kind) {
        return switch (kind) {
            case LEAKY_RELU -> new Activation(kind, 0.01, 0);
            case ELU -> new Activation(kind, 1, 0);
            case SELU -> new Activation(kind, SELU_ALPHA, SELU_GAMMA);
            case HARD_SIGMOID -> new Activation(kind, 0.2, 0.5);
            case CLIP -> new Activation(kind, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
            default -> new Activation(kind, 0, 0);
        };
    }

    /** σ(z) in float64. */
    public double value(double z) {
        return switch (kind) {
            case RELU -> Math.max(0, z);
            case LEAKY_RELU -> z > 0 ? z : alpha * z;
            case ELU -> z > 0 ? z : alpha * Math.expm1(z);
            case SELU -> beta * (z > 0 ? z : alpha * Math.expm1(z));
            case SIGMOID -> 1 / (1 + Math.exp(-z));
            case TANH -> Math.tanh(z);
            case SOFTPLUS -> Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
            case GELU -> z * normalCdf(z);
            case ERF -> erf(z);
            case SILU -> z / (1 + Math.exp(-z));
            case HARD_SIGMOID -> Math.max(0, Math.min(1, alpha * z + beta));
            case HARD_SWISH -> z * Math.max(0, Math.min(6, z + 3)) / 6;
            case CLIP -> Math.min(Math.max(z, alpha), beta);
            case EXP -> Math.exp(z);
            case LOG -> Math.log(z);
            case SQRT -> Math.sqrt(z);
            case POW -> Math.pow(z, alpha);
            case ABS -> Math.abs(z);
            case RECIPROCAL -> 1 / z;
        };
    }

    /** σ′(z) in float64, with PyTorch's value at kinks. */
    public double derivative(double z) {
        return switch (kind) {
            case RELU -> z > 0 ? 1 : 0;
            case LEAKY_RELU -> z > 0 ? 1 : alpha;
            case ELU -> z > 0 ? 1 : alpha * Math.exp(z);
            case SELU -> beta * (z > 0 ? 1 : alpha * Math.exp(z));
            case SIGMOID -> {
                double s = 1 / (1 + Math.exp(-z));
                yield s * (1 - s);
            }
            case TANH -> 1 - Math.tanh(z) * Math.tanh(z);
            case SOFTPLUS -> 1 / (1 + Math.exp(-z));
            case GELU -> normalCdf(z) + z * normalPdf(z);
            case ERF -> 2 / Math.sqrt(Math.PI) * Math.exp(-z * z);
            case SILU -> {
                double s = 1 / (1 + Math.exp(-z));
                yield s * (1 + z * (1 - s));
            }
            case HARD_SIGMOID -> alpha * z + beta > 0 && alpha * z + beta < 1 ? alpha : 0;
            case HARD_SWISH -> z < -3 ? 0 : z <= 3 ? z / 3 + 0.5 : 1;
            case CLIP -> z >= alpha && z <= beta ? 1 : 0;
            case EXP -> Math.exp(z);
            case LOG -> 1 / z;
            case SQRT -> 0.5 / Math.sqrt(z);
            case POW -> alpha * Math.pow(z, alpha - 1);
            case ABS -> Math.signum(z);
            case RECIPROCAL -> -1 / (z * z);
        };
    }

    /** The limits of σ′ from the left and from the right at one of {@link #kinks()}. */
    public double[] derivativeLimits(double kink) {
        boolean lower = kink == kinks().get(0);
        return switch (kind) {
            case RELU -> new double[] {0, 1};
            case LEAKY_RELU, ELU -> new double[] {alpha, 1};
            case SELU -> new double[] {beta * alpha, beta};
            case ABS -> new double[] {-1, 1};
            case HARD_SIGMOID -> lower ? new double[] {0, alpha} : new double[] {alpha, 0};
            case HARD_SWISH -> lower ? new double[] {0, -0.5} : new double[] {1.5, 1};
            case CLIP -> kink == alpha ? new double[] {0, 1} : new double[] {1, 0};
            default -> throw new IllegalArgumentException(kind + " has no kinks");
        };
    }

    /** Interior points where σ has a local extremum. */
    public List<Double> valueCriticalPoints() {
        return switch (kind) {
            case GELU -> List.of(GELU_VALUE_CRITICAL);
            case SILU -> List.of(SILU_VALUE_CRITICAL);
            case HARD_SWISH -> List.of(-1.5);
            case ABS -> List.of(0.0);
            case POW -> evenInteger(alpha) && alpha > 0 ? List.of(0.0) : List.of();
            case LEAKY_RELU, ELU, SELU -> alpha < 0 ? List.of(0.0) : List.of();
            default -> List.of();
        };
    }

    /** Interior points where σ′ has a local extremum (where σ″ changes sign). */
    public List<Double> derivativeCriticalPoints() {
        return switch (kind) {
            case SIGMOID, TANH, ERF -> List.of(0.0);
            case GELU -> List.of(-Math.sqrt(2), Math.sqrt(2));
            case SILU -> List.of(-SILU_DERIVATIVE_CRITICAL, SILU_DERIVATIVE_CRITICAL);
            case POW -> evenInteger(alpha - 1) && alpha - 1 > 0 ? List.of(0.0) : List.of();
            default -> List.of();
        };
    }

    /** Points where σ′ is discontinuous. */
    public List<Double> kinks() {
        return switch (kind) {
            case RELU, LEAKY_RELU, ELU, SELU, ABS -> List.of(0.0);
            case HARD_SIGMOID -> List.of(-beta / alpha, (1 - beta) / alpha);
            case HARD_SWISH -> List.of(-3.0, 3.0);
            case CLIP -> java.util.stream.Stream.of(alpha, beta).filter(Double::isFinite).toList();
            default -> List.of();
        };
    }

    private static boolean evenInteger(double v) {
        return v == Math.rint(v) && Math.rint(v) % 2 == 0;
    }

    /** Φ(z) = (1 + erf(z/√2)) / 2. */
    static double normalCdf(double z) {
        return 0.5 * (1 + erf(z / Math.sqrt(2)));
    }

    static double normalPdf(double z) {
        return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    }

    /** The error function (commons-math3), accurate to about 1e-15. */
    static double erf(double z) {
        return org.apache.commons.math3.special.Erf.erf(z);
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        return inputs.get(0).clone();
    }

    @Override
    public boolean isAffine() {
        return false;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.activation(this);
    }

    @Override
    public String toString() {
        return kind + (alpha != 0 || beta != 0 ? "(" + alpha + ", " + beta + ")" : "");
    }
}
