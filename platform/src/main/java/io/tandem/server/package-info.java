/** Wires the roles of {@code tandem server} together, top to bottom: router and executor in process, the controller supervised. */
package io.tandem.server;
