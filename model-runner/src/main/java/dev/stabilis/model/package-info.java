/**
 * The model repository ({@code models/<name>/<version>/model.onnx|model.pt + stabilis.yaml}), the policy file
 * with its schema, and loading a version into a runnable model.
 */
package dev.stabilis.model;
