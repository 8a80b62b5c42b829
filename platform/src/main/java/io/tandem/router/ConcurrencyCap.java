package io.tandem.router;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;

/**
 * Refuses a call past its function's concurrency limits ({@code spec.concurrency}, {@code spec.maxConcurrency}) at
 * once with 429, never queued (see {@link InFlight}); an admitted call is counted out once its response has ended.
 */
final class ConcurrencyCap implements CallStage {
    private final InFlight inFlight;
    private final EndpointTable endpoints;
    private final CallStage next;

    ConcurrencyCap(InFlight inFlight, EndpointTable endpoints, CallStage next) {
        this.inFlight = inFlight;
        this.endpoints = endpoints;
        this.next = next;
    }

    @Override
    public Future<Answer> handle(Call call) {
        String name = call.function();
        int capacity = InFlight.capacity(call.target().function().spec(), endpoints.endpointsOf(name).size());
        if (capacity == 0) return next.handle(call);
        if (!inFlight.tryEnter(name, capacity)) {
            call.req().response().putHeader(HttpHeaders.RETRY_AFTER, "1");
            call.dialect().refuse(call.req(), 429, "too many concurrent calls", "function '" + name + "' serves at most " + capacity
                    + " calls at once (spec.concurrency per instance, spec.maxConcurrency per function); retry after 1 s");
            return Future.succeededFuture(Answer.refused(429));
        }
        return next.handle(call).onSuccess(answer -> answer.ended().onComplete(v -> inFlight.leave(name)));
    }
}
