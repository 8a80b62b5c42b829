package io.tandem.router;

import io.vertx.core.Future;

/**
 * One stage of a routed call's way to its function, wrapping the next: each refuses the call with an answer of its
 * own or hands it on. {@link Router} assembles them, top to bottom, in {@code requestPath}.
 *
 * <p>Confined to the event loop of the call's request. The future never fails: every outcome, a refusal included,
 * is an {@link Answer}, completed as soon as its status is known (the response head is going out).
 */
interface CallStage {
    Future<Answer> handle(Call call);
}
