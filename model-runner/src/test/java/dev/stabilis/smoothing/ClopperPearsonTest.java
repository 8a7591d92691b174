package dev.stabilis.smoothing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ClopperPearsonTest {

    /** Reference quantiles printed by SciPy 1.17 ({@code scipy.stats.beta.ppf}); the bounds may only be wider, by at most 1e-9. */
    @ParameterizedTest(name = "{0} of {1} at alpha {2}")
    @CsvSource({
        "0,   100,  0.05,   0,                    0.029513049607039925",
        "5,   100,  0.05,   0.019905563662171832, 0.1022533776432745",
        "50,  100,  0.001,  0.34479800642531777,  0.6552019935746822",
        "99,  100,  0.01,   0.9354572679514184,   0.9998995016917583",
        "100, 100,  0.001,  0.933254300796991,    1",
        "1,   10,   0.025,  0.0025285785444617848, 0.4450161170281954",
        "17,  40,   1e-6,   0.11808367715316162,  0.7822776070559149",
        "999, 1000, 3.9e-6, 0.9848659092728992,   0.9999999960999923"})
    void boundsAreTheBetaQuantilesOfScipyWidenedOutwardOnly(int successes, int trials, double alpha, double lower, double upper) {
        assertThat(ClopperPearson.lower(successes, trials, alpha)).isLessThanOrEqualTo(lower).isGreaterThanOrEqualTo(lower - 1e-9);
        assertThat(ClopperPearson.upper(successes, trials, alpha)).isGreaterThanOrEqualTo(upper).isLessThanOrEqualTo(upper + 1e-9);
    }

    @Test
    void allSuccessesGiveTheClosedFormAlphaToTheOneOverN() {
        assertThat(ClopperPearson.lower(1000, 1000, 0.001)).isCloseTo(Math.pow(0.001, 1e-3), offset(1e-15))
                .isLessThanOrEqualTo(Math.pow(0.001, 1e-3));
        assertThat(ClopperPearson.upper(0, 1000, 0.001)).isGreaterThanOrEqualTo(1 - Math.pow(0.001, 1e-3));
    }

    @Test
    void countsOutsideTheTrialsAndAlphaOutsideTheUnitIntervalAreRefused() {
        assertThatThrownBy(() -> ClopperPearson.lower(11, 10, 0.05)).hasMessageContaining("11 successes in 10 trials");
        assertThatThrownBy(() -> ClopperPearson.lower(-1, 10, 0.05)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClopperPearson.upper(1, 10, 0)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> ClopperPearson.upper(1, 10, 1)).hasMessageContaining("alpha");
    }
}
