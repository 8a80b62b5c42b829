/**
 * Time triggers: a scheduler in the server process that fires each {@link io.tandem.model.TimeTrigger} through the
 * router, so the function's fault-tolerance strategy applies, and a journal that keeps firings from being doubled
 * across restarts.
 */
package io.tandem.timer;
