package dev.stabilis.graph;

/** Output sizes of sliding-window layers (convolution and pooling). */
public final class SlidingWindow {

    private SlidingWindow() {}

    /**
     * Output length of a window of {@code kernel} taps with the given stride, padding and dilation, rounding
     * down (ONNX and PyTorch default).
     *
     * @throws IllegalArgumentException when the window does not fit into the padded input
     */
    public static long outputSize(long input, long kernel, int stride, int padBegin, int padEnd, int dilation) {
        long span = (long) dilation * (kernel - 1) + 1;
        long padded = input + padBegin + padEnd;
        if (padded < span) {
            throw new IllegalArgumentException("window of span " + span + " does not fit into padded length " + padded);
        }
        return (padded - span) / stride + 1;
    }
}
