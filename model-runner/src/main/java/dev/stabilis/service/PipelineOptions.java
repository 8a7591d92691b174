package dev.stabilis.service;

import dev.stabilis.certify.Certifier;

/**
 * What the runner computes per sample, beyond the policy's attribution methods.
 *
 * @param includeAttributions whether explanation records carry the attribution vectors
 * @param certify whether to bound the gradient explanation and derive certificates
 * @param radius whether to search each sample's certified radius (needs {@code certify})
 * @param attack whether to run the policy's attack, its noise baseline and the thickness estimate
 * @param curvatureIterations power iterations of the curvature estimate; 0 turns it off
 * @param passMemoryBytes the memory one attribution or bound pass of a model may take: with the model's graph it sets
 *     the rows per pass ({@link dev.stabilis.attribution.PassSize}, {@link dev.stabilis.certify.Certifier#rowsPerPass})
 */
public record PipelineOptions(boolean includeAttributions, boolean certify, boolean radius, boolean attack,
        int curvatureIterations, long passMemoryBytes) {

    /** The default of {@code passMemoryBytes}: 1 GiB, as a {@link Certifier}'s without a budget. */
    public static final long DEFAULT_PASS_MEMORY_BYTES = Certifier.DEFAULT_PASS_MEMORY_BYTES;

    /** Everything on. */
    public static final PipelineOptions ALL = new PipelineOptions(true, true, true, true, 20);

    /** With the default pass memory. */
    public PipelineOptions(boolean includeAttributions, boolean certify, boolean radius, boolean attack, int curvatureIterations) {
        this(includeAttributions, certify, radius, attack, curvatureIterations, DEFAULT_PASS_MEMORY_BYTES);
    }

    public PipelineOptions {
        if (passMemoryBytes < 1) {
            throw new IllegalArgumentException("the pass memory must be at least 1 byte, got " + passMemoryBytes);
        }
        if (radius && !certify) {
            throw new IllegalArgumentException("the certified radius needs certification");
        }
        if (curvatureIterations < 0) {
            throw new IllegalArgumentException("curvature iterations must be >= 0, got " + curvatureIterations);
        }
    }
}
