package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import dev.stabilis.engine.Scalars;

/**
 * The valid input range per feature, and with it the box {@code B = [x − ε, x + ε] ∩ domain} that certificates
 * and attacks share. Each end is empty (unbounded), one value for every feature, or one value per feature.
 *
 * @param min lower ends
 * @param max upper ends
 * @param features number of input features per sample
 */
public record InputDomain(double[] min, double[] max, int features) {

    public InputDomain {
        check(min, features);
        check(max, features);
        min = min.clone();
        max = max.clone();
    }

    private static void check(double[] values, int features) {
        if (values.length != 0 && values.length != 1 && values.length != features) {
            throw new IllegalArgumentException("domain has " + values.length + " values, the model " + features + " features");
        }
    }

    /** Lower end of feature {@code i}'s box around value {@code x}. */
    public double lower(int i, double x, double epsilon) {
        return min.length == 0 ? x - epsilon : Math.max(x - epsilon, at(min, i));
    }

    /** Upper end of feature {@code i}'s box around value {@code x}. */
    public double upper(int i, double x, double epsilon) {
        return max.length == 0 ? x + epsilon : Math.min(x + epsilon, at(max, i));
    }

    /**
     * {@code v} clipped to the domain; v is {@code [N, inputShape...]}. An end with one value for every feature is
     * the model's cached scalar (nothing is made per call); per-feature ends are made in v's manager.
     */
    public NDArray clip(NDArray v, Scalars constants) {
        NDArray out = v;
        if (min.length > 0) {
            out = NDArrays.maximum(out, end(v, min, constants));
        }
        if (max.length > 0) {
            out = NDArrays.minimum(out, end(v, max, constants));
        }
        return out;
    }

    private NDArray end(NDArray like, double[] values, Scalars constants) {
        if (values.length == 1) {
            return constants.of(values[0]);
        }
        return like.getManager().create(values, like.getShape().slice(1)).toType(like.getDataType(), false);
    }

    private static double at(double[] values, int i) {
        return values.length == 1 ? values[0] : values[i];
    }
}
