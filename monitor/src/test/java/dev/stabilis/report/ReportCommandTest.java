package dev.stabilis.report;

import static dev.stabilis.report.ReportFixtures.PIXELS;
import static dev.stabilis.report.ReportFixtures.attribution;
import static dev.stabilis.report.ReportFixtures.drift;
import static dev.stabilis.report.ReportFixtures.image;
import static dev.stabilis.report.ReportFixtures.sample;
import static dev.stabilis.report.ReportFixtures.tabular;
import static dev.stabilis.report.ReportFixtures.unstable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.app.Topics;
import dev.stabilis.cli.CliRun;
import dev.stabilis.contract.ContractSchemas;
import dev.stabilis.contract.Explanation;
import dev.stabilis.kafka.SharedBroker;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stabilis report} from the topics (shared broker) or from JSON-lines files: one self-contained page, a section per alert, for an 8x8 image sample
 * its input, attribution, attacked attribution and bound width side by side, for a tabular sample a chart of its top
 * features, for attribution drift a chart of the features that moved; what is missing is said, not drawn.
 */
class ReportCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesOneSelfContainedPageWithThePicturesOfEveryCitedSample() throws IOException {
        Path alerts = lines("alerts.jsonl", unstable("unstable-1", List.of("image#0", "table#0", "lost#0")).toJson(), drift().toJson());
        Path explanations = lines("explanations.jsonl", image().toJson(), tabular().toJson());
        Path samples = lines("samples.jsonl", sample("image", PIXELS).toJson(), sample("table", 5).toJson());
        Path out = dir.resolve("report.html");

        CliRun result = CliRun.stabilis("report", "--alerts", alerts.toString(), "--explanations", explanations.toString(), "--samples",
                samples.toString(), "--out", out.toString());

        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out()).contains("2 alert(s), 2 explanation(s) with 2 sample(s), 0 invalid record(s) left out");
        Document page = Jsoup.parse(Files.readString(out));
        assertThat(page.select("script, link, iframe")).as("nothing that runs or loads").isEmpty();
        assertThat(page.select("img")).as("every image inline").allSatisfy(img -> assertThat(img.attr("src")).startsWith("data:image/png;base64,"));
        assertThat(page.select("section.alert")).hasSize(2);

        Element image = page.selectFirst("div.sample[data-sample-id=image#0]");
        assertThat(image.select("figcaption").eachText()).satisfiesExactly(
                c -> assertThat(c).startsWith("Input"),
                c -> assertThat(c).startsWith("Attribution: gradient"),
                c -> assertThat(c).startsWith("At the attack's point").endsWith("the attack changed the top-k set"),
                c -> assertThat(c).startsWith("Certified bound width at ε = 0.05"));
        List<BufferedImage> maps = image.select("img").stream().map(ReportCommandTest::decode).toList();
        assertThat(maps).allSatisfy(m -> assertThat(m.getWidth()).isEqualTo(Heatmaps.WIDTH));
        // the attribution is positive on the left half, negative on the right; the attacked one negative everywhere
        assertThat(reddish(maps.get(1))).as("red (positive) pixels of the attribution map").isGreaterThan(2000);
        assertThat(bluish(maps.get(1))).as("blue (negative) pixels of the attribution map").isGreaterThan(2000);
        assertThat(reddish(maps.get(2))).as("red pixels of the attacked map (colour bar only)").isLessThan(reddish(maps.get(1)) / 4);

        Element table = page.selectFirst("div.sample[data-sample-id=table#0]");
        assertThat(table.select("figcaption").eachText()).singleElement().asString()
                .startsWith("Top 3 features of table#0, certified intervals at ε = 0.05");
        assertThat(decode(table.selectFirst("img")).getHeight()).as("one row per feature").isEqualTo(90 + 24 * 3);

        assertThat(page.selectFirst("div.sample[data-sample-id=lost#0]").text()).contains("Its explanation record was not found.");
        Element drift = page.select("section.alert").get(1);
        assertThat(drift.select("figcaption").eachText()).containsExactly("Features that moved (saliency, nDCG@3 0.612)");
        assertThat(decode(drift.selectFirst("img")).getHeight()).isEqualTo(90 + 30 * 2);
    }

    @Test
    void readsTheAlertsOfTheLastSpanAndTheRecordsTheyCiteFromTheTopics() throws Exception {
        String prefix = "report-" + UUID.randomUUID() + "-";
        Map<String, String> kafka = Map.of("bootstrap.servers", SharedBroker.bootstrapServers());
        Topics.create(kafka, List.of(prefix + "alerts", prefix + "explanations", prefix + "samples"), 2, (short) 1);
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers",
                SharedBroker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            // an alert older than --since, whose sample must not show
            producer.send(new ProducerRecord<>(prefix + "alerts", null, now - 3_600_000, "digits", unstable("old", List.of("old#0")).toJson()));
            producer.send(new ProducerRecord<>(prefix + "explanations", null, now - 3_600_000, "digits", image("old").toJson()));
            producer.send(new ProducerRecord<>(prefix + "explanations", "digits", image("other").toJson()));
            producer.send(new ProducerRecord<>(prefix + "explanations", "digits", image("image").toJson()));
            producer.send(new ProducerRecord<>(prefix + "samples", "digits", sample("image", PIXELS).toJson()));
            producer.send(new ProducerRecord<>(prefix + "alerts", "digits", unstable("new", List.of("image#0")).toJson()));
            producer.send(new ProducerRecord<>(prefix + "alerts", "digits", "{\"kind\": \"not an alert\"".getBytes(StandardCharsets.UTF_8)));
            producer.flush();
        }
        Path out = dir.resolve("report.html");

        CliRun result = CliRun.stabilis("report", "--since", "10m", "--set", "kafka.bootstrap.servers=" + SharedBroker.bootstrapServers(),
                "--set", "stabilis.topics.alerts=" + prefix + "alerts", "--set", "stabilis.topics.explanations=" + prefix + "explanations",
                "--set", "stabilis.topics.samples=" + prefix + "samples", "--out", out.toString());

        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out()).contains("1 alert(s), 1 explanation(s) with 1 sample(s), 1 invalid record(s) left out");
        Document page = Jsoup.parse(Files.readString(out));
        assertThat(page.select("section.alert").eachAttr("data-alert-id")).containsExactly("new");
        assertThat(page.select("p.note").first().text()).startsWith("1 record(s) of these topics were no valid record");
        assertThat(page.select("div.sample[data-sample-id=image#0] img")).hasSize(4);
    }

    @Test
    void notesWhatTheRecordLacksInsteadOfDrawingIt() throws IOException {
        Explanation bare = new Explanation("bare", 0, "digits", "1", null, 0L, 0L, 0L, 3, "3", null, null, 0.05, 3, null,
                Map.of("saliency", attribution()), null, null, null, null, null, 1.0, List.of("attributions"), List.of(), new long[] {8, 8},
                null);
        Path alerts = lines("alerts.jsonl", unstable("unstable-2", List.of("bare#0")).toJson());
        Path explanations = lines("explanations.jsonl", bare.toJson());
        Path out = dir.resolve("report.html");

        assertThat(CliRun.stabilis("report", "--alerts", alerts.toString(), "--explanations", explanations.toString(), "--out", out.toString()).code())
                .isZero();

        Element sample = Jsoup.parse(Files.readString(out)).selectFirst("div.sample[data-sample-id=bare#0]");
        assertThat(sample.select("figcaption").eachText()).containsExactly("Attribution: saliency");
        assertThat(sample.select("p.note").eachText()).anySatisfy(n -> assertThat(n).startsWith("No certified gradient bounds"))
                .anySatisfy(n -> assertThat(n).startsWith("No gradient at the attack's point"))
                .anySatisfy(n -> assertThat(n).startsWith("No input: the sample's record was not found"));
    }

    @Test
    void recordsWithTheReportsVectorsKeepToTheExplanationSchema() throws IOException {
        var json = com.fasterxml.jackson.databind.json.JsonMapper.builder().build();
        ContractSchemas.EXPLANATION.assertValid(List.of(json.readTree(image().toJson()), json.readTree(tabular().toJson())));
        var broken = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(image().toJson());
        broken.putArray("inputShape").add(0);
        assertThat(ContractSchemas.EXPLANATION.violations(broken)).as("an empty axis").isNotEmpty();
    }

    @Test
    void aBrokenLineIsABadInputNamingTheFileAndLine() throws IOException {
        Path alerts = lines("alerts.jsonl", unstable("unstable-3", List.of("image#0")).toJson(), "{not json".getBytes(StandardCharsets.UTF_8));
        Path explanations = lines("explanations.jsonl", image().toJson());

        CliRun result = CliRun.stabilis("report", "--alerts", alerts.toString(), "--explanations", explanations.toString(), "--out",
                dir.resolve("report.html").toString());

        assertThat(result.code()).isEqualTo(3);
        assertThat(result.err()).contains(alerts + " line 2");
        assertThat(dir.resolve("report.html")).doesNotExist();
    }

    @Test
    void filesGoTogether() {
        CliRun result = CliRun.stabilis("report", "--alerts", dir.resolve("a.jsonl").toString(), "--out", dir.resolve("r.html").toString());
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.err()).contains("--alerts and --explanations go together");
    }

    private Path lines(String name, byte[]... records) throws IOException {
        return ReportFixtures.lines(dir.resolve(name), records);
    }

    private static BufferedImage decode(Element img) {
        String src = img.attr("src");
        try {
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1))));
        } catch (IOException e) {
            throw new AssertionError("not a PNG: " + img.attr("alt"), e);
        }
    }

    private static long reddish(BufferedImage image) {
        return count(image, r -> r[0] > 150 && r[1] < 80 && r[2] < 80);
    }

    private static long bluish(BufferedImage image) {
        return count(image, r -> r[2] > 150 && r[0] < 80 && r[1] < 140);
    }

    private static long count(BufferedImage image, java.util.function.Predicate<int[]> test) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                if (test.test(new int[] {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff})) {
                    n++;
                }
            }
        }
        return n;
    }
}
