package dev.stabilis.smoothing;

/** The smoothing noise, by the name certificates report. */
public enum NoiseKind {
    /** Uniform in the ℓ2 ball of radius r (Wang and Kong 2024); the scale is r. */
    UNIFORM_BALL("uniform-ball"),
    /** Isotropic Gaussian N(0, σ²I) (Cohen et al. 2019; Anani et al. 2025); the scale is σ. */
    GAUSSIAN("gaussian");

    private final String label;

    NoiseKind(String label) {
        this.label = label;
    }

    /** The name in records and configuration. */
    public String label() {
        return label;
    }

    /** The noise of a label ({@code uniform-ball} or {@code gaussian}). */
    public static NoiseKind parse(String label) {
        for (NoiseKind kind : values()) {
            if (kind.label.equals(label)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown smoothing noise '" + label + "' (use uniform-ball or gaussian)");
    }

    /**
     * The scale of this noise whose spread per coordinate is {@code perCoordinate}: σ itself for the Gaussian, the
     * radius σ·√d for the uniform ball (whose coordinates have standard deviation r/√(d + 2), about σ). Either way the
     * shift distance τ(ε) then depends on ε/σ alone, not on the input size.
     */
    public double scaleFor(double perCoordinate, int dimension) {
        return this == UNIFORM_BALL ? perCoordinate * Math.sqrt(dimension) : perCoordinate;
    }

    /** This noise at {@code scale} for inputs of {@code dimension} features. */
    public Noise create(double scale, int dimension) {
        return this == UNIFORM_BALL ? new UniformBallNoise(scale, dimension) : new GaussianNoise(scale, dimension);
    }
}
