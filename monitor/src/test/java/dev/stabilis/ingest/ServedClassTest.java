package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which class a served output row names. */
class ServedClassTest {

    static Stream<Arguments> outputs() {
        return Stream.of(
                Arguments.of("a label", new float[] {3}, 3),
                Arguments.of("a negative label", new float[] {-1}, -1),
                Arguments.of("a score vector, by its argmax", new float[] {0.2f, 0.7f, 0.1f}, 1),
                Arguments.of("tied scores, by the first", new float[] {0.5f, 0.5f}, 0),
                Arguments.of("a regression value, none", new float[] {2.5f}, null),
                Arguments.of("an empty row, none", new float[0], null),
                Arguments.of("no output, none", null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outputs")
    void servedClassOf(String description, float[] output, Integer expected) {
        assertThat(RequestWithResponse.servedClass(output)).isEqualTo(expected);
    }
}
