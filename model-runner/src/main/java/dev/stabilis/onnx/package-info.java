/**
 * Reads ONNX models into a {@link dev.stabilis.graph.Graph} and writes graphs back as ONNX. Importing: every node
 * that reads a value computed from the input becomes graph nodes ({@code NodeConverter}); nodes on known values
 * (initializers, Constant nodes, the input's shape) are evaluated at load time with the batch size kept symbolic
 * ({@code ConstantFolder}); anything else is refused with an {@link OnnxImportException} naming the node and
 * operator. Exporting ({@link OnnxExporter}): every operator becomes standard opset-17 operators that the importer
 * and ONNX Runtime read. Both use the generated protobuf classes of {@code tribuo-util-onnx}.
 */
package dev.stabilis.onnx;
