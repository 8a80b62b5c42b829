/**
 * {@code tandem bench paper}: the experiment of the active-standby paper (its sections 5 and 6) run against real
 * Tandem servers, strategy against strategy, and the report that rebuilds its tables and figures.
 *
 * <p>{@link io.tandem.bench.paper.Experiment} runs the plan: per app and strategy a server of its own, per scenario
 * and repetition one run (an {@link io.tandem.bench.paper.OpenLoop} load, a fault from
 * {@link io.tandem.bench.paper.Scenario}, a {@link io.tandem.bench.paper.ResourceSampler}), each read into
 * {@link io.tandem.bench.paper.Measures}; {@link io.tandem.bench.paper.Report} writes what was measured, with
 * {@link io.tandem.bench.paper.ReportCsv} for the raw data.
 */
package io.tandem.bench.paper;
