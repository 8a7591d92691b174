/**
 * Training and fine-tuning MLPs for robust gradient explanations: cross-entropy plus β-softplus smoothing with
 * weight decay, a Hessian-norm penalty, the certified-gradient constraint, ℓ∞ adversarial training, and ranking
 * thickness and attribution protection. Penalties are computed by the engine's own explicit input gradients,
 * Hessian-vector products and interval bounds on dense layers bound to trainable arrays
 * ({@code GraphModel.withDenseArrays}), and DJL's autograd differentiates them with respect to the weights.
 * Training happens in unit coordinates of the input domain ({@link dev.stabilis.harden.UnitScaling}); the
 * result is written as a model repository version ({@link dev.stabilis.harden.ModelVersionWriter}).
 */
package dev.stabilis.harden;
