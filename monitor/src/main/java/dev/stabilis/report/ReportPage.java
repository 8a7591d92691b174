package dev.stabilis.report;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import java.util.Base64;
import java.util.List;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * The report as one self-contained HTML page: a section per alert (its summary, description and what it measured),
 * under it the pictures of each sample it cites ({@link SamplePictures}) or, for attribution drift, the chart of the
 * features that moved. Images are inline PNG data URIs; the page has no script and loads nothing.
 */
public final class ReportPage {

    private final ImageShapes shapes;

    /** @param imageShapes {@code [MODEL=][Cx]HxW} options for models whose records carry no image shape */
    public ReportPage(List<String> imageShapes) {
        this.shapes = new ImageShapes(imageShapes);
    }

    /** The page's HTML. */
    public String render(ReportInputs inputs) {
        Document page = Document.createShell("");
        page.title("Stabilis report");
        page.head().appendElement("meta").attr("charset", "utf-8");
        page.head().appendElement("style").appendText("body{font-family:sans-serif;margin:2em}figure{display:inline-block;margin:0 1em 1em 0}"
                + "figcaption{font-size:.85em;max-width:260px}.note{color:#666;font-size:.9em}section{border-top:1px solid #ccc}");
        Element body = page.body();
        body.appendElement("h1").text("Stabilis report");
        body.appendElement("p").text(inputs.alerts().size() + " alert(s) from " + inputs.source());
        if (inputs.skipped() > 0) {
            body.appendElement("p").addClass("note").text(inputs.skipped() + " record(s) of these topics were no valid record of their "
                    + "contract and are left out.");
        }
        for (Alert alert : inputs.alerts()) {
            Element section = body.appendElement("section").addClass("alert").attr("data-alert-id", alert.alertId());
            section.appendElement("h2").text(alert.kind() + " · " + alert.status() + " · " + alert.model() + " " + alert.version());
            section.appendElement("p").text(alert.summary());
            if (alert.description() != null) {
                section.appendElement("p").addClass("note").text(alert.description());
            }
            if (alert.attributionDrift() != null) {
                drift(section, alert);
            }
            for (String id : alert.evidence() == null ? List.<String>of() : alert.evidence()) {
                Element sample = section.appendElement("div").addClass("sample").attr("data-sample-id", id);
                sample.appendElement("h3").text("Sample " + id);
                Explanation e = inputs.explanations().get(id);
                if (e == null) {
                    sample.appendElement("p").addClass("note").text("Its explanation record was not found.");
                    continue;
                }
                SamplePictures pictures = SamplePictures.of(e, inputs.samples().get(id), shapes);
                pictures.figures().forEach(f -> figure(sample, f));
                pictures.notes().forEach(n -> sample.appendElement("p").addClass("note").text(n));
            }
        }
        return page.outerHtml();
    }

    private static void drift(Element section, Alert alert) {
        Alert.AttributionDrift d = alert.attributionDrift();
        List<Alert.MovedFeature> moved = d.moved();
        double[] baseline = moved.stream().mapToDouble(Alert.MovedFeature::baselineMean).toArray();
        double[] window = moved.stream().mapToDouble(Alert.MovedFeature::mean).toArray();
        List<String> names = moved.stream().map(m -> m.name() + " (rank " + m.baselineRank() + " → " + m.rank() + ")").toList();
        String title = String.format(java.util.Locale.ROOT, "Features that moved (%s, nDCG@%d %.3f)", d.method(), d.k(), d.ndcg());
        figure(section, new Figure(title, "attribution drift of " + alert.model(), FeatureCharts.drift(title, names, baseline, window)));
    }

    private static void figure(Element parent, Figure f) {
        Element figure = parent.appendElement("figure");
        figure.appendElement("img").attr("alt", f.alt()).attr("src", "data:image/png;base64," + Base64.getEncoder().encodeToString(f.png()));
        figure.appendElement("figcaption").text(f.caption());
    }
}
