package dev.stabilis.ingest;

/** Looks up the input of a model version, to validate requests against it. */
public interface ModelCatalog {

    /**
     * Resolves a model version.
     *
     * @param model model name
     * @param version version label; null, blank or {@code latest} pick the newest version
     * @throws PayloadException with {@link RejectReason#UNKNOWN_MODEL}, {@link RejectReason#UNKNOWN_VERSION} or
     *         {@link RejectReason#MODEL_UNAVAILABLE}
     */
    ModelInput resolve(String model, String version);

    /** Whether a version label asks for the newest version. */
    static boolean isLatest(String version) {
        return version == null || version.isBlank() || version.equals("latest");
    }
}
