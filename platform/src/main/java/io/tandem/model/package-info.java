/**
 * Values shared by every role: the resources users declare (environments, functions, triggers), the change feed
 * through which the controller tells the router and executor about them, and instance endpoints.
 */
package io.tandem.model;
