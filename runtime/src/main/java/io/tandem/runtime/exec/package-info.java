/** The {@code exec} runtime: OpenFaaS's classic watchdog, one process per request. */
package io.tandem.runtime.exec;
