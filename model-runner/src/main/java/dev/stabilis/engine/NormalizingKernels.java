package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import dev.stabilis.graph.Normalize;
import dev.stabilis.graph.Softmax;

/** Kernels of the maps that normalise along axes: softmax (and its logarithm) and mean–variance normalisation. */
final class NormalizingKernels {

    private NormalizingKernels() {}

    /**
     * {@code s = softmax(z)} along an axis: backward {@code s ⊙ (g − ⟨s, g⟩)}, tangent {@code s ⊙ (t − ⟨s, t⟩)},
     * {@code R{…} = R{s} ⊙ (g − ⟨s, g⟩) + s ⊙ (R{g} − ⟨R{s}, g⟩ − ⟨s, R{g}⟩)}. LogSoftmax: backward
     * {@code g − s Σg}, tangent {@code t − ⟨s, t⟩}, {@code R{…} = R{g} − R{s} Σg − s ΣR{g}}.
     */
    static final class SoftmaxKernel extends Kernel {

        private final int[] axis;
        private final boolean log;

        SoftmaxKernel(Softmax op) {
            this.axis = new int[] {op.axis()};
            this.log = op.log();
        }

        @Override
        NDArray forward(NDArray[] in, long batch) {
            return log ? in[0].logSoftmax(axis[0]) : in[0].softmax(axis[0]);
        }

        private NDArray probabilities(NDArray out) {
            return log ? out.exp() : out;
        }

        private NDArray dot(NDArray a, NDArray b) {
            return a.mul(b).sum(axis, true);
        }

        @Override
        NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
            NDArray s = probabilities(out);
            return new NDArray[] {log ? grad.sub(s.mul(grad.sum(axis, true))) : s.mul(grad.sub(dot(s, grad)))};
        }

        /** The tangent of the probabilities (for LogSoftmax too). */
        private NDArray probabilityTangent(NDArray s, NDArray t) {
            return s.mul(t.sub(dot(s, t)));
        }

        @Override
        NDArray tangent(NDArray[] in, NDArray out, NDArray[] tangents) {
            NDArray s = probabilities(out);
            return log ? tangents[0].sub(dot(s, tangents[0])) : probabilityTangent(s, tangents[0]);
        }

        @Override
        NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] in, NDArray out, NDArray[] tangents) {
            NDArray s = probabilities(out);
            NDArray rs = probabilityTangent(s, tangents[0]);
            if (log) {
                return new NDArray[] {gradTangent.sub(rs.mul(grad.sum(axis, true))).sub(s.mul(gradTangent.sum(axis, true)))};
            }
            NDArray centred = grad.sub(dot(s, grad));
            return new NDArray[] {rs.mul(centred).add(s.mul(gradTangent.sub(dot(rs, grad)).sub(dot(s, gradTangent))))};
        }
    }

    /**
     * {@code y = (x − μ) / σ}, {@code σ = √(var + ε)} over axes: backward {@code (g − mean g − y mean(g y)) / σ},
     * tangent {@code (t̃ − y mean(y t̃)) / σ} with {@code t̃ = t − mean t}, and
     * {@code R{…} = (R{g} − mean R{g} − R{y} m − y R{m}) / σ − (backward) · mean(y t̃) / σ}, with {@code m = mean(g y)}.
     */
    static final class NormalizeKernel extends Kernel {

        private final int[] axes;
        private final NDArray inverseCount;
        private final NDArray epsilon;

        NormalizeKernel(Normalize op, Signature signature, Scalars scalars) {
            this.axes = op.axes();
            long n = 1;
            for (int a : axes) {
                n *= signature.inputs()[0][a];
            }
            this.inverseCount = scalars.of(1.0 / n);
            this.epsilon = scalars.of(op.epsilon());
        }

        NDArray mean(NDArray x) {
            return x.sum(axes, true).mul(inverseCount);
        }

        /** σ = √(mean((x − μ)²) + ε). */
        NDArray deviation(NDArray x) {
            NDArray d = x.sub(mean(x));
            return mean(d.square()).add(epsilon).sqrt();
        }

        @Override
        NDArray forward(NDArray[] in, long batch) {
            NDArray d = in[0].sub(mean(in[0]));
            return d.div(mean(d.square()).add(epsilon).sqrt());
        }

        @Override
        NDArray[] backward(NDArray grad, NDArray[] in, NDArray y) {
            return new NDArray[] {backward(grad, y, deviation(in[0]))};
        }

        private NDArray backward(NDArray grad, NDArray y, NDArray sigma) {
            return grad.sub(mean(grad)).sub(y.mul(mean(grad.mul(y)))).div(sigma);
        }

        @Override
        NDArray tangent(NDArray[] in, NDArray y, NDArray[] tangents) {
            NDArray centred = tangents[0].sub(mean(tangents[0]));
            return centred.sub(y.mul(mean(y.mul(centred)))).div(deviation(in[0]));
        }

        @Override
        NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] in, NDArray y, NDArray[] tangents) {
            NDArray sigma = deviation(in[0]);
            NDArray centred = tangents[0].sub(mean(tangents[0]));
            NDArray ry = centred.sub(y.mul(mean(y.mul(centred)))).div(sigma);
            NDArray m = mean(grad.mul(y));
            NDArray rm = mean(gradTangent.mul(y).add(grad.mul(ry)));
            NDArray relativeSigmaChange = mean(y.mul(centred)).div(sigma);
            NDArray first = gradTangent.sub(mean(gradTangent)).sub(ry.mul(m)).sub(y.mul(rm)).div(sigma);
            return new NDArray[] {first.sub(backward(grad, y, sigma).mul(relativeSigmaChange))};
        }
    }
}
