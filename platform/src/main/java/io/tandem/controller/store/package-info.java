/** The controller's durable store: resources and their change log in SQLite, one transaction per write. */
package io.tandem.controller.store;
