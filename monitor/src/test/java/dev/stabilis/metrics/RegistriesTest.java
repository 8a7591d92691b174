package dev.stabilis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegistriesTest {

    @Test
    void everyProcessExportsItsBuildWithItsRole() {
        String scrape = Registries.prometheus("runner").scrape();
        assertThat(scrape.lines().filter(l -> l.startsWith("stabilis_build_info{")))
                .singleElement().satisfies(line -> assertThat(line).contains("role=\"runner\"", "version=\"").endsWith(" 1"));
    }
}
