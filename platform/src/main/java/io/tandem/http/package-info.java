/**
 * The HTTP edge the roles share: the token check, the one error shape and the exception behind it, NDJSON follows,
 * TLS, and the limits every port keeps on its connections.
 */
package io.tandem.http;
