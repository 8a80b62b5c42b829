/** The controller's durable store: resources and their change log, and the cluster's events, in one SQLite file owned by one thread. */
package io.tandem.controller.store;
