/**
 * Fault-tolerance strategies of the router: how one request reaches a function's instances, chosen per function
 * by {@link io.tandem.router.strategy.Strategies#of}, and which failed sends may go again
 * ({@link io.tandem.router.strategy.ResendPolicy}).
 */
package io.tandem.router.strategy;
