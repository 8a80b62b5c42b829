/**
 * Warm pools (poolmgr): how many generic instances of each environment every live node holds ({@link
 * io.tandem.executor.pool.WarmPool}), the reconciler that refills them ({@link io.tandem.executor.pool.PoolReconciler})
 * and when a specialized instance has been idle long enough to stop ({@link io.tandem.executor.pool.IdleReaper}).
 */
package io.tandem.executor.pool;
