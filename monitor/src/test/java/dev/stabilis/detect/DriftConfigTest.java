package dev.stabilis.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The {@code stabilis.detect.drift.*} settings: defaults, and a clear error naming the key for every bad value. */
class DriftConfigTest {

    @Test
    void defaultsAreClarifysNdcgThresholdOnTheTopTenOfTheFirstMethod() {
        DriftConfig defaults = DriftConfig.defaults();
        assertThat(defaults).isEqualTo(new DriftConfig(10, 0.9, 0.2, ""));
        assertThat(defaults.methodOf(orderedMethods())).isEqualTo("ig");
        assertThat(DriftConfig.from(Map.of(DriftConfig.METHOD, "saliency")).methodOf(orderedMethods())).isEqualTo("saliency");
        assertThat(DriftConfig.from(Map.of(DriftConfig.METHOD, "smoothgrad")).methodOf(orderedMethods())).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "stabilis.detect.drift.k|0|stabilis.detect.drift.k must be at least 1, got '0'",
            "stabilis.detect.drift.k|ten|stabilis.detect.drift.k must be an integer, got 'ten'",
            "stabilis.detect.drift.ndcg.threshold|1.5|stabilis.detect.drift.ndcg.threshold must be between 0 and 1, got '1.5'",
            "stabilis.detect.drift.kendall.threshold|-2|stabilis.detect.drift.kendall.threshold must be between -1 and 1, got '-2.0'",
            "stabilis.detect.drift.ndgc.threshold|0.8|unknown drift setting(s) [stabilis.detect.drift.ndgc.threshold]"})
    void badValuesFailNamingTheKey(String key, String value, String message) {
        assertThatThrownBy(() -> DriftConfig.from(Map.of(key, value))).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void theDetectSettingsLeaveTheDriftKeysToTheDriftConfig() {
        assertThat(DetectConfig.from(Map.of(DriftConfig.K, "5"))).isEqualTo(DetectConfig.defaults());
    }

    private static Map<String, float[]> orderedMethods() {
        Map<String, float[]> methods = new java.util.LinkedHashMap<>();
        methods.put("ig", new float[0]);
        methods.put("saliency", new float[0]);
        return methods;
    }
}
