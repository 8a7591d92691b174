package dev.stabilis.pipeline;

/** Reads values out of the Prometheus text exposition format that a Stabilis process serves. */
final class PrometheusText {

    private PrometheusText() {}

    /**
     * The sum of the samples of {@code name} whose labels contain every one of {@code labels} (like
     * {@code area="heap"}); NaN when there is none.
     */
    static double sum(String exposition, String name, String... labels) {
        double total = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            int end = name.length();
            if (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                continue; // a longer name with this prefix
            }
            boolean matches = true;
            for (String label : labels) {
                matches &= line.contains(label);
            }
            if (matches) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? total : Double.NaN;
    }
}
