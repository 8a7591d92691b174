package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.Scalars;
import org.junit.jupiter.api.Test;

class InputDomainTest {

    @Test
    void clipsToOneEndForEveryFeatureOrToOnePerFeatureAndLeavesAnEmptyEndOpen() {
        try (NDManager model = NDManager.newBaseManager()) {
            Scalars constants = new Scalars(model, DataType.FLOAT64);
            try (NDManager batch = model.newSubManager()) {
                var v = batch.create(new double[] {-1, 0.5, 2, -1, 0.5, 2}, new Shape(2, 3));
                assertThat(new InputDomain(new double[] {0}, new double[] {1}, 3).clip(v, constants).toDoubleArray())
                        .containsExactly(0, 0.5, 1, 0, 0.5, 1);
                assertThat(new InputDomain(new double[] {-2, 0.6, 0}, new double[] {0, 1, 1.5}, 3).clip(v, constants).toDoubleArray())
                        .containsExactly(-1, 0.6, 1.5, -1, 0.6, 1.5);
                assertThat(new InputDomain(new double[0], new double[] {1}, 3).clip(v, constants).toDoubleArray())
                        .containsExactly(-1, 0.5, 1, -1, 0.5, 1);
            }
            assertThat(model.getManagedArrays()).as("after the batch, only the cached scalars 0 and 1 on the model").hasSize(2);
        }
    }
}
