package dev.stabilis.engine;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.stabilis.graph.Shapes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A TorchScript module loaded through DJL's PyTorch engine; gradients come from PyTorch autograd. There is no
 * layer graph, so certification does not apply to these models.
 *
 * <p>The module stays in eval mode (dropout off, batch-norm running statistics). DJL's block API runs eval-mode
 * forwards without autograd, so gradient passes call the module through {@link IValueUtils} with autograd on
 * while leaving the module's mode untouched.
 */
public final class TorchScriptModel implements DifferentiableModel {

    private final Model model;
    private final PtSymbolBlock block;
    private final long[] inputShape;
    private final int classes;

    private TorchScriptModel(Model model, long[] inputShape) {
        this.model = model;
        this.block = (PtSymbolBlock) model.getBlock();
        JniUtils.enableInferenceMode(block);
        this.inputShape = inputShape.clone();
        try (NDManager probe = model.getNDManager().newSubManager()) {
            NDArray out = logits(probe.zeros(new Shape(Shapes.withBatch(1, inputShape))));
            if (out.getShape().dimension() != 2) {
                throw new IllegalArgumentException("TorchScript model returns shape " + out.getShape()
                        + " for one sample; a classifier returns [batch, classes]");
            }
            this.classes = (int) out.getShape().get(1);
        }
    }

    /**
     * Loads a {@code .pt} file.
     *
     * @param file the TorchScript file
     * @param inputShape the per-sample input shape (TorchScript files do not record it)
     * @throws IllegalArgumentException when the file cannot be loaded or does not behave like a classifier
     */
    public static TorchScriptModel load(Path file, long[] inputShape, Device device) {
        Model model = Model.newInstance("torchscript", device, "PyTorch");
        try {
            String name = file.getFileName().toString();
            String prefix = name.endsWith(".pt") ? name.substring(0, name.length() - 3) : name;
            model.load(file.toAbsolutePath().getParent(), prefix, Map.of("trainParam", "true"));
            return new TorchScriptModel(model, inputShape);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new IllegalArgumentException(file + ": cannot load TorchScript model: " + e.getMessage(), e);
        }
    }

    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public Device device() {
        return model.getNDManager().getDevice();
    }

    @Override
    public NDManager manager() {
        return model.getNDManager();
    }

    @Override
    public NDArray logits(NDArray input) {
        return run(input, false);
    }

    private NDArray run(NDArray input, boolean withAutograd) {
        NDArray out = IValueUtils.forward(block, new NDList(input), withAutograd).singletonOrThrow();
        out.attach(input.getManager());
        return out;
    }

    @Override
    public Gradients gradients(NDArray input, NDArray classes, TargetKind kind) {
        NDArray x = input.duplicate();
        try (GradientCollector collector = model.getNDManager().getEngine().newGradientCollector()) {
            x.setRequiresGradient(true);
            NDArray logits = run(x, true);
            NDArray detached = logits.stopGradient();
            NDArray targets = DifferentiableModel.targets(detached, classes);
            collector.backward(logits.mul(kind.seed(detached, targets)).sum());
            return new Gradients(detached, targets, x.getGradient().duplicate());
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
