/**
 * The network as a chain of layers with closed-form forward and backward rules: affine maps (dense, 2-D
 * convolution, average pooling, constant padding, elementwise affine), elementwise activations and
 * reshapes. The graph is device-independent and holds its constants on the host; the engine runs it on
 * DJL {@code NDArray}s and later propagates intervals through the same structure.
 *
 * <p>Shapes are per sample: the leading batch axis is implicit everywhere.
 */
package dev.stabilis.graph;
