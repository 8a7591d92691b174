/**
 * The network as a dataflow graph ({@link dev.stabilis.graph.Graph}): operators ({@link dev.stabilis.graph.Op})
 * applied to named values in topological order, constants held on the host in float64. Values have full symbolic
 * shapes in which the batch size is a symbol ({@link dev.stabilis.graph.Shapes}). The graph is device-independent;
 * the engine runs it on DJL {@code NDArray}s, and interval analysis, export and training visit the same operators
 * through {@link dev.stabilis.graph.OpVisitor}, one method per kind.
 */
package dev.stabilis.graph;
