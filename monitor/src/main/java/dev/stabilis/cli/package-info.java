/** The {@code stabilis} command line (picocli): one subcommand per job. */
package dev.stabilis.cli;
