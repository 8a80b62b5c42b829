package io.tandem.router;

import io.vertx.core.Future;

/** Counts every answered call in the router's request metrics, wrapping the whole path to the function. */
final class Metered implements CallStage {
    private final RequestMetrics.Recorder recorder;
    private final CallStage next;

    Metered(RequestMetrics.Recorder recorder, CallStage next) {
        this.recorder = recorder;
        this.next = next;
    }

    @Override
    public Future<Answer> handle(Call call) {
        return next.handle(call).onSuccess(answer -> recorder.record(call.target(), call.req().method().name(), answer,
                System.nanoTime() - call.arrivedNanos()));
    }
}
