package dev.stabilis.service;

/**
 * What the runner computes per sample, beyond the policy's attribution methods.
 *
 * @param includeAttributions whether explanation records carry the attribution vectors
 * @param certify whether to bound the gradient explanation and derive certificates
 * @param radius whether to search each sample's certified radius (needs {@code certify})
 * @param attack whether to run the policy's attack, its noise baseline and the thickness estimate
 * @param curvatureIterations power iterations of the curvature estimate; 0 turns it off
 */
public record PipelineOptions(boolean includeAttributions, boolean certify, boolean radius, boolean attack,
        int curvatureIterations) {

    /** Everything on. */
    public static final PipelineOptions ALL = new PipelineOptions(true, true, true, true, 20);

    public PipelineOptions {
        if (radius && !certify) {
            throw new IllegalArgumentException("the certified radius needs certification");
        }
        if (curvatureIterations < 0) {
            throw new IllegalArgumentException("curvature iterations must be >= 0, got " + curvatureIterations);
        }
    }
}
