/**
 * Batched execution on DJL {@code NDArray}s with the PyTorch engine, CPU or GPU. {@link DifferentiableModel} is the
 * one abstraction the attribution methods use; {@link GraphModel} implements it for a dataflow graph with an explicit
 * backward pass (each operator's vector–Jacobian product, adjoints summed over a value's consumers; plain input
 * gradients of graphs with large convolutions or max pooling by libtorch's autograd) and
 * {@link HessianVectorProduct}s by the R-operator; {@link TorchScriptModel} implements it for a TorchScript module
 * with autograd.
 */
package dev.stabilis.engine;
