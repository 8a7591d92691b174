/**
 * The detect topology: reads {@code stabilis.explanations}, applies per-sample rules and windowed baselines per
 * (model, version, predicted class), suppresses repeats, and writes {@code stabilis.alerts}. Malformed records
 * go to the dead-letter topic. {@link dev.stabilis.detect.DetectTopology} is the entry point,
 * {@link dev.stabilis.detect.DetectConfig} its settings, and {@link dev.stabilis.detect.AlertListener} and
 * {@link dev.stabilis.detect.ExplanationListener} the observation hooks for metrics.
 */
package dev.stabilis.detect;
