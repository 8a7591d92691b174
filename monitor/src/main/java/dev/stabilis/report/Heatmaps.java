package dev.stabilis.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.GrayPaintScale;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * Heat maps of per-pixel values (inputs, attributions, bound widths) as PNGs, drawn with JFreeChart's block renderer:
 * row 0 at the top, one block per pixel, a colour bar beside. Three colour maps: grey for inputs, a diverging
 * blue–white–red one centred on 0 for signed attributions, and a white-to-purple one for widths.
 */
final class Heatmaps {

    static final int WIDTH = 260;
    static final int HEIGHT = 250;
    private static final int STEPS = 64;

    private Heatmaps() {}

    /** Grey, {@code lower} black and {@code upper} white. */
    static byte[] grey(String title, double[] values, int height, int width, double lower, double upper) {
        return png(title, values, height, width, new GrayPaintScale(lower, upper == lower ? lower + 1 : upper));
    }

    /** Blue for negative, white for 0, red for positive, saturated at ±{@code limit}. */
    static byte[] diverging(String title, double[] values, int height, int width, double limit) {
        double m = limit > 0 ? limit : 1;
        LookupPaintScale scale = new LookupPaintScale(-m, m, Color.RED);
        for (int i = 0; i <= STEPS; i++) {
            double t = (double) i / STEPS;
            scale.add(-m + 2 * m * t, t < 0.5 ? blend(new Color(33, 102, 172), Color.WHITE, t * 2)
                    : blend(Color.WHITE, new Color(178, 24, 43), (t - 0.5) * 2));
        }
        return png(title, values, height, width, scale);
    }

    /** White at 0 to dark purple at {@code upper}. */
    static byte[] sequential(String title, double[] values, int height, int width, double upper) {
        double m = upper > 0 ? upper : 1;
        LookupPaintScale scale = new LookupPaintScale(0, m, new Color(63, 0, 125));
        for (int i = 0; i <= STEPS; i++) {
            double t = (double) i / STEPS;
            scale.add(m * t, blend(Color.WHITE, new Color(63, 0, 125), t));
        }
        return png(title, values, height, width, scale);
    }

    /** The largest |value| over several arrays: a shared limit makes two diverging maps comparable. */
    static double largestMagnitude(double[]... arrays) {
        double m = 0;
        for (double[] a : arrays) {
            if (a != null) {
                for (double v : a) {
                    m = Math.max(m, Math.abs(v));
                }
            }
        }
        return m;
    }

    private static byte[] png(String title, double[] values, int height, int width, PaintScale scale) {
        if (values.length != height * width) {
            throw new IllegalArgumentException(title + ": " + values.length + " values do not fill " + height + " x " + width);
        }
        double[][] series = new double[3][values.length];
        for (int i = 0; i < values.length; i++) {
            series[0][i] = i % width;
            series[1][i] = i / width;
            series[2][i] = Math.max(scale.getLowerBound(), Math.min(scale.getUpperBound(), values[i]));
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries(title, series);
        NumberAxis x = new NumberAxis();
        x.setVisible(false);
        x.setRange(-0.5, width - 0.5);
        NumberAxis y = new NumberAxis();
        y.setVisible(false);
        y.setInverted(true);
        y.setRange(-0.5, height - 0.5);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.PLAIN, 13), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        NumberAxis legendAxis = new NumberAxis();
        legendAxis.setRange(scale.getLowerBound(), scale.getUpperBound());
        legendAxis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setStripWidth(10);
        legend.setMargin(4, 4, 4, 4);
        chart.addSubtitle(legend);
        return encode(chart.createBufferedImage(WIDTH, HEIGHT));
    }

    static byte[] encode(BufferedImage image) {
        try {
            return ChartUtils.encodeAsPNG(image);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a PNG", e);
        }
    }

    private static Color blend(Color from, Color to, double t) {
        return new Color((int) Math.round(from.getRed() + (to.getRed() - from.getRed()) * t),
                (int) Math.round(from.getGreen() + (to.getGreen() - from.getGreen()) * t),
                (int) Math.round(from.getBlue() + (to.getBlue() - from.getBlue()) * t));
    }
}
