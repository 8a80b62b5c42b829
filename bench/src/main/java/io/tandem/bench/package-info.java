/**
 * Benchmarks: each starts a real Tandem server as a child process, deploys what it measures, and loads it from
 * this process, printing medians, spreads and ratios against a baseline run side by side.
 */
package io.tandem.bench;
