package dev.stabilis.detect;

import dev.stabilis.contract.Explanation;

/**
 * Told of every well-formed explanation record, for per-sample metrics: {@link Explanation#model()},
 * {@link Explanation#version()}, {@link Explanation#predicted()}, {@link Explanation#topkCertified()},
 * {@link Explanation#radius()}, {@link Explanation#attackSucceeded()},
 * {@link Explanation#curvature()}, {@link Explanation#mismatched()}. Runs on the stream threads, possibly several
 * at once: it must be thread-safe, quick, and must not throw; after a failure a retried transaction may repeat
 * samples.
 */
@FunctionalInterface
public interface ExplanationListener {

    ExplanationListener NONE = explanation -> { };

    void onExplanation(Explanation explanation);
}
