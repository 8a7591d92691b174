package dev.stabilis.certify;

/** When a dense node's radius product is taken in float32 ({@link AffineRule}). */
enum SingleRadii {
    /** Always in float64. */
    NEVER,
    /**
     * Where it measured faster on a CPU: products of at least 2²⁰ multiply-adds and at least 128 of them per value
     * read or written ({@code n·m/(n + m)} for a sum of n terms into m outputs). The 784-512-512-10 MLP (256 to 310)
     * gained 1.10–1.17× from 16 to 256 rows; the digits MLP 64-128-128-10 (43 and 64) lost 2–7 % at 4,096 rows,
     * where converting the arrays costs more than the cheaper products save (BENCHMARKS.md).
     */
    WHERE_FASTER,
    /** Wherever the proof allows (tests of the float32 path). */
    ALWAYS;

    private static final long FROM = 1L << 20;
    private static final long PER_VALUE = 128;

    /** Whether a product summing {@code n} terms into {@code width} outputs for {@code rows} rows is taken in float32. */
    boolean takes(long rows, long n, long width) {
        return switch (this) {
            case NEVER -> false;
            case WHERE_FASTER -> rows * n * width >= FROM && n * width >= PER_VALUE * (n + width);
            case ALWAYS -> true;
        };
    }
}
