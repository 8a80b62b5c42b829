/** newdeploy: per function, minScale specialized replicas kept running, replaced when they die, rolled on update. */
package io.tandem.executor.deploy;
