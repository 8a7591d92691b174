/**
 * Inference payload formats: Open Inference Protocol (KServe V2) JSON, KServe V1 {@code instances}, and the
 * plain {@code features} form, detected per record and normalised into rows of features. Rejections carry a
 * machine-readable {@link RejectReason}.
 */
package dev.stabilis.ingest;
