/**
 * Batched execution on DJL {@code NDArray}s with the PyTorch engine, CPU or GPU. {@link DifferentiableModel}
 * is the one abstraction the attribution methods use; {@link GraphModel} implements it for a layer graph
 * with a closed-form backward pass per layer, {@link TorchScriptModel} for a TorchScript module with autograd.
 */
package dev.stabilis.engine;
