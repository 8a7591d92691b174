package dev.stabilis.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.YIntervalRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/** Charts of named features as PNGs, drawn with JFreeChart: certified intervals of the top features, and attribution drift. */
final class FeatureCharts {

    private static final int WIDTH = 640;
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    private FeatureCharts() {}

    /**
     * One row per feature (largest first, top to bottom): its gradient at the sample as a point, its certified interval
     * as a bar when known, and its gradient at the attack's point as a cross when known.
     *
     * @param lower null when the record has no certified intervals; else one per feature, as {@code upper}
     * @param attacked null when the record has no attacked gradient
     */
    static byte[] certifiedIntervals(String title, List<String> names, double[] value, double[] lower, double[] upper, double[] attacked) {
        YIntervalSeries certified = new YIntervalSeries("gradient and certified interval");
        XYSeries points = new XYSeries("gradient at the sample");
        XYSeries attack = new XYSeries("gradient at the attack's point");
        for (int i = 0; i < names.size(); i++) {
            if (lower != null) {
                certified.add(i, value[i], lower[i], upper[i]);
            }
            points.add(i, value[i]);
            if (attacked != null) {
                attack.add(i, attacked[i]);
            }
        }
        SymbolAxis featureAxis = new SymbolAxis("feature", names.toArray(String[]::new));
        featureAxis.setInverted(true);
        featureAxis.setTickLabelFont(SMALL);
        featureAxis.setGridBandsVisible(false);
        NumberAxis valueAxis = new NumberAxis("gradient");
        valueAxis.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot();
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setDomainAxis(featureAxis);
        plot.setRangeAxis(valueAxis);
        int dataset = 0;
        if (lower != null) {
            YIntervalRenderer intervals = new YIntervalRenderer();
            intervals.setSeriesPaint(0, new Color(63, 0, 125));
            intervals.setSeriesStroke(0, new BasicStroke(3f));
            YIntervalSeriesCollection intervalData = new YIntervalSeriesCollection();
            intervalData.addSeries(certified);
            plot.setDataset(dataset, intervalData);
            plot.setRenderer(dataset++, intervals);
        }
        XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
        dots.setSeriesPaint(0, Color.BLACK);
        plot.setDataset(dataset, new XYSeriesCollection(points));
        plot.setRenderer(dataset++, dots);
        if (attacked != null) {
            XYLineAndShapeRenderer crosses = new XYLineAndShapeRenderer(false, true);
            crosses.setSeriesPaint(0, new Color(178, 24, 43));
            crosses.setSeriesShape(0, new java.awt.geom.Rectangle2D.Double(-3, -3, 6, 6));
            plot.setDataset(dataset, new XYSeriesCollection(attack));
            plot.setRenderer(dataset, crosses);
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeZeroBaselineVisible(true);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.PLAIN, 13), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return Heatmaps.encode(chart.createBufferedImage(WIDTH, 90 + 24 * names.size()));
    }

    /** Mean |attribution| of the features that moved, in the baseline and in the drifting window. */
    static byte[] drift(String title, List<String> names, double[] baseline, double[] window) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int i = 0; i < names.size(); i++) {
            data.addValue(baseline[i], "baseline", names.get(i));
            data.addValue(window[i], "window", names.get(i));
        }
        CategoryAxis featureAxis = new CategoryAxis("feature");
        featureAxis.setTickLabelFont(SMALL);
        BarRenderer bars = new BarRenderer();
        bars.setSeriesPaint(0, new Color(33, 102, 172));
        bars.setSeriesPaint(1, new Color(178, 24, 43));
        bars.setShadowVisible(false);
        bars.setDrawBarOutline(false);
        CategoryPlot plot = new CategoryPlot(data, featureAxis, new NumberAxis("mean |attribution|"), bars);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.PLAIN, 13), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return Heatmaps.encode(chart.createBufferedImage(WIDTH, 90 + 30 * names.size()));
    }
}
