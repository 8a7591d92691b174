package dev.stabilis.report;

import dev.stabilis.contract.Explanation;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which samples are drawn as images, and at what shape: a model's input is image-shaped when the explanation record's
 * {@code inputShape} has two axes ({@code [H, W]}) or three ({@code [C, H, W]}), or when the user says so for a model
 * whose input is flat ({@code --image-shape digits=8x8}, or {@code 8x8} for every model).
 */
final class ImageShapes {

    private static final Pattern FORM = Pattern.compile("(?:([^=]+)=)?(?:(\\d+)x)?(\\d+)x(\\d+)");

    /** Channels, height and width. */
    record Shape(int channels, int height, int width) {
        int size() {
            return channels * height * width;
        }
    }

    private final Map<String, Shape> byModel = new HashMap<>();
    private Shape forAll;

    /**
     * @param options each {@code [model=][C x]H x W}
     * @throws IllegalArgumentException naming the option when one is malformed
     */
    ImageShapes(Iterable<String> options) {
        for (String option : options) {
            Matcher m = FORM.matcher(option.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("--image-shape expects [MODEL=][Cx]HxW, for example digits=8x8, got '" + option + "'");
            }
            Shape shape = new Shape(m.group(2) == null ? 1 : Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)));
            if (shape.size() == 0) {
                throw new IllegalArgumentException("--image-shape '" + option + "' has an empty axis");
            }
            if (m.group(1) == null) {
                forAll = shape;
            } else {
                byModel.put(m.group(1).trim(), shape);
            }
        }
    }

    /** The shape to draw a sample's {@code features} values at, or null to chart it as tabular. */
    Shape of(Explanation e, int features) {
        Shape given = byModel.getOrDefault(e.model(), forAll);
        Shape shape = given != null ? given : recorded(e.inputShape());
        return shape != null && shape.size() == features ? shape : null;
    }

    private static Shape recorded(long[] inputShape) {
        if (inputShape == null) {
            return null;
        }
        return switch (inputShape.length) {
            case 2 -> new Shape(1, (int) inputShape[0], (int) inputShape[1]);
            case 3 -> new Shape((int) inputShape[0], (int) inputShape[1], (int) inputShape[2]);
            default -> null;
        };
    }
}
