/**
 * {@code stabilis report}: one self-contained HTML page (images inline as data URIs, no script) of alerts and the
 * explanations of the samples they cite, read from the topics or from JSON-lines files. Image-shaped inputs get the
 * input, its attribution heat map, the attacked point's heat map and the certified-bound width map side by side;
 * tabular inputs a chart of the top features with their certified intervals; attribution drift a chart of the
 * features that moved. Charts are drawn headless with JFreeChart.
 */
package dev.stabilis.report;
