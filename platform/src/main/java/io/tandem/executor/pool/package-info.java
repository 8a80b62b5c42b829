/** poolmgr: generic warm instances per environment on every node, specialized on a function's first call. */
package io.tandem.executor.pool;
