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

    /** This noise at {@code scale} for inputs of {@code dimension} features. */
    public Noise create(double scale, int dimension) {
        return this == UNIFORM_BALL ? new UniformBallNoise(scale, dimension) : new GaussianNoise(scale, dimension);
    }
}
