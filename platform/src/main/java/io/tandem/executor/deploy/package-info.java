/**
 * Replicas per function (newdeploy, and the retry, replicate and none strategies): how many run and which are
 * replaced or rolled on an update ({@link io.tandem.executor.deploy.ReplicaPlanner}), and the reconciler that carries
 * that out ({@link io.tandem.executor.deploy.ReplicaReconciler}).
 */
package io.tandem.executor.deploy;
