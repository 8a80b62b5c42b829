/** The {@code tandem} command line: every subcommand, its help text, and exit codes scripts can trust. */
package io.tandem.cli;
