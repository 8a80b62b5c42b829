package io.tandem.router;

import io.vertx.core.Vertx;

/** What every server verticle of one router shares; each part is thread-safe. */
record RouterParts(Vertx vertx, RouterConfig config, Routes routes, EndpointTable endpoints, ColdStarts coldStarts) {
}
