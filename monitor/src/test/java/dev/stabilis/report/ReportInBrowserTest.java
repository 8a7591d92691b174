package dev.stabilis.report;

import static dev.stabilis.report.ReportFixtures.PIXELS;
import static dev.stabilis.report.ReportFixtures.drift;
import static dev.stabilis.report.ReportFixtures.image;
import static dev.stabilis.report.ReportFixtures.lines;
import static dev.stabilis.report.ReportFixtures.sample;
import static dev.stabilis.report.ReportFixtures.tabular;
import static dev.stabilis.report.ReportFixtures.unstable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.cli.CliRun;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report as a reader sees it: Debian's chromium, headless, loads the page and decodes every inline image (counted in
 * the page as images complete with a natural width), with no error on its console, and its screenshot is not blank.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReportInBrowserTest {

    /** Images in the document, and those the browser decoded. */
    private static final String IMAGES = "({inPage: document.images.length,"
            + " rendered: [...document.images].filter(i => i.complete && i.naturalWidth > 0).length})";

    @TempDir
    Path dir;

    @Test
    void theBrowserRendersEveryPictureOfTheReportWithoutConsoleErrors() throws Exception {
        Path alerts = lines(dir.resolve("alerts.jsonl"), unstable("unstable-1", List.of("image#0", "table#0")).toJson(), drift().toJson());
        Path explanations = lines(dir.resolve("explanations.jsonl"), image().toJson(), tabular().toJson());
        Path samples = lines(dir.resolve("samples.jsonl"), sample("image", PIXELS).toJson(), sample("table", 5).toJson());
        Path report = dir.resolve("report.html");
        CliRun result = CliRun.stabilis("report", "--alerts", alerts.toString(), "--explanations", explanations.toString(), "--samples",
                samples.toString(), "--out", report.toString());
        assertThat(result.code()).as(result.err()).isZero();

        HeadlessChromium.Rendering page = render(report);

        // the image sample's input, attribution, attacked attribution and bound width; the tabular chart; the drift chart
        assertThat(page.value().path("inPage").asInt()).as("images in the page").isEqualTo(6);
        assertThat(page.value().path("rendered").asInt()).as("images the browser decoded").isEqualTo(6);
        assertThat(page.consoleErrors()).as("console errors").isEmpty();
        BufferedImage screenshot = ImageIO.read(new ByteArrayInputStream(page.screenshot()));
        assertThat(screenshot.getWidth()).isEqualTo(HeadlessChromium.WIDTH);
        assertThat(colours(screenshot)).as("distinct colours in the screenshot (a blank page has one)").isGreaterThan(100);
    }

    /** The checks above can fail: a broken inline image is not counted as rendered, and a console error is seen. */
    @Test
    void aBrokenImageAndAConsoleErrorAreSeen() throws Exception {
        Path page = Files.writeString(dir.resolve("broken.html"), "<!DOCTYPE html><html><body><img src=\"data:image/png;base64,iVBORw0KGgoAAAA\">"
                + "<script>console.error('drawn wrong')</script></body></html>");

        HeadlessChromium.Rendering rendering = render(page);

        assertThat(rendering.value().path("inPage").asInt()).isEqualTo(1);
        assertThat(rendering.value().path("rendered").asInt()).isZero();
        assertThat(rendering.consoleErrors()).singleElement().asString().contains("drawn wrong");
    }

    private HeadlessChromium.Rendering render(Path page) throws Exception {
        try (HeadlessChromium browser = HeadlessChromium.start(dir.resolve("chromium-profile"))) {
            return browser.render(page, IMAGES);
        }
    }

    private static int colours(BufferedImage image) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }
}
