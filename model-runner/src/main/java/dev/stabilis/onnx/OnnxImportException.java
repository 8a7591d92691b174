package dev.stabilis.onnx;

/** An ONNX model that cannot be read into a layer graph; the message names the file, node and operator. */
public class OnnxImportException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public OnnxImportException(String message) {
        super(message);
    }

    public OnnxImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
