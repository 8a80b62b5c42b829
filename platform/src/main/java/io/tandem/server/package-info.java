/** Wires the roles of {@code tandem server} together in one process, top to bottom. */
package io.tandem.server;
