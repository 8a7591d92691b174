/**
 * Feature attributions for a target class, batched on the model's device: saliency, gradient×input,
 * Integrated Gradients (with its completeness gap) and SmoothGrad. {@link Attributor} runs a method over
 * host rows; the {@link Explainer} implementations work on {@code NDArray}s.
 */
package dev.stabilis.attribution;
