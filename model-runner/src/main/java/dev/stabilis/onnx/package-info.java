/**
 * Reads ONNX models into a {@link dev.stabilis.graph.LayerGraph} and writes layer graphs back as ONNX.
 * Importing: layer operators become layers, glue that exporters emit around them (Constant,
 * Shape/Gather/Unsqueeze/Concat chains computing a Reshape target) is folded at load time, and anything else
 * is refused with an {@link OnnxImportException} naming the node and operator. Exporting
 * ({@link OnnxExporter}): every layer becomes standard opset-13 operators that the importer and ONNX Runtime
 * read. Both use the generated protobuf classes of {@code tribuo-util-onnx}.
 */
package dev.stabilis.onnx;
