package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClassLabelsTest {

    @Test
    void allLabelsEveryClassWithItsIndex() {
        ClassLabels labels = ClassLabels.parse("all");
        assertThat(labels.labelled()).isTrue();
        assertThat(labels.of("m", 999)).isEqualTo("999");
    }

    @Test
    void noneDropsTheLabel() {
        assertThat(ClassLabels.parse("none").labelled()).isFalse();
    }

    @Test
    void firstNKeepsTheFirstNClassesOfEachModelAndCountsLaterOnesAsOther() {
        ClassLabels labels = ClassLabels.parse("first:2");
        assertThat(labels.of("a", 5)).isEqualTo("5");
        assertThat(labels.of("a", 1)).isEqualTo("1");
        assertThat(labels.of("a", 9)).isEqualTo(ClassLabels.OTHER);
        assertThat(labels.of("a", 5)).isEqualTo("5");
        assertThat(labels.of("b", 9)).as("each model has its own cap").isEqualTo("9");
    }

    @Test
    void otherValuesAreRefusedSayingWhatIsAccepted() {
        for (String invalid : new String[] {"top:3", "first:0", "first:-1", "first:", "ALL", ""}) {
            assertThatThrownBy(() -> ClassLabels.parse(invalid)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("must be all, none or first:N with N >= 1, got '" + invalid + "'");
        }
    }
}
