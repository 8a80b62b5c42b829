/**
 * Active-standby pairs, the deciding half: what a function's pair needs next ({@link
 * io.tandem.executor.standby.StandbyPlanner}: promote the standby, start a member, back off a crash loop), whether a
 * late member is failed over ({@link io.tandem.executor.standby.SuspicionPolicy}), and the probes and leases that
 * tell ({@link io.tandem.executor.standby.Prober}, over HTTP or a {@link io.tandem.executor.standby.ControlLine}).
 * The executor's {@code PairSupervisor} carries the decisions out.
 */
package io.tandem.executor.standby;
