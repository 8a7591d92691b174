package dev.stabilis.smoothing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Shapes;
import java.util.Arrays;

/**
 * Input gradients of a model at many points, in batched forward and backward passes of at most {@code rowBudget}
 * rows on the model's device. The caller writes the points chunk by chunk and receives the gradients in the same
 * order, so the noisy copies of a batch never need to be held all at once.
 */
final class NoisyPasses {

    /** Writes the points to evaluate. */
    interface Points {
        /** Writes point {@code index} (the model's input size, flattened) at {@code buffer[offset]}; returns its target class. */
        long write(int index, float[] buffer, int offset);
    }

    /** Receives gradients in point order. */
    interface Sink {
        /** The gradient at point {@code index}: {@code gradients[offset]} onward, the model's input size. */
        void accept(int index, double[] gradients, int offset);
    }

    private final DifferentiableModel model;
    private final TargetKind kind;
    private final int rowBudget;
    private final int features;

    NoisyPasses(DifferentiableModel model, TargetKind kind, int rowBudget) {
        this.model = model;
        this.kind = kind;
        this.rowBudget = rowBudget;
        this.features = Math.toIntExact(Shapes.size(model.inputShape()));
    }

    /** The model's input size. */
    int features() {
        return features;
    }

    /** Gradients at {@code count} points, in passes of at most the row budget. */
    void run(int count, Points points, Sink sink) {
        float[] buffer = new float[Math.min(count, rowBudget) * features];
        long[] classes = new long[Math.min(count, rowBudget)];
        for (int start = 0; start < count; start += rowBudget) {
            int rows = Math.min(rowBudget, count - start);
            for (int j = 0; j < rows; j++) {
                classes[j] = points.write(start + j, buffer, j * features);
            }
            double[] gradients = pass(buffer, classes, rows);
            for (int j = 0; j < rows; j++) {
                sink.accept(start + j, gradients, j * features);
            }
        }
    }

    private double[] pass(float[] buffer, long[] classes, int rows) {
        try (NDManager batch = model.manager().newSubManager()) {
            NDArray input = batch.create(Arrays.copyOf(buffer, rows * features), new Shape(Shapes.withBatch(rows, model.inputShape())));
            NDArray targets = batch.create(Arrays.copyOf(classes, rows));
            return model.gradients(input, targets, kind).gradient().toType(DataType.FLOAT64, false).toDoubleArray();
        }
    }

    /** The predicted class of every row (argmax of the logits), in passes of at most the row budget. */
    long[] predict(float[][] rows) {
        long[] predicted = new long[rows.length];
        for (int start = 0; start < rows.length; start += rowBudget) {
            int n = Math.min(rowBudget, rows.length - start);
            float[] flat = new float[n * features];
            for (int j = 0; j < n; j++) {
                System.arraycopy(rows[start + j], 0, flat, j * features, features);
            }
            try (NDManager batch = model.manager().newSubManager()) {
                NDArray input = batch.create(flat, new Shape(Shapes.withBatch(n, model.inputShape())));
                System.arraycopy(model.predict(input).toLongArray(), 0, predicted, start, n);
            }
        }
        return predicted;
    }
}
