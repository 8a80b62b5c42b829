package io.tandem.router;

import io.tandem.router.overload.Admission;
import io.tandem.router.overload.Admissions;
import io.tandem.router.strategy.ResendPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Lets a call run within its function's learnt concurrency limit, or queues it for a slot, or sheds it with 503
 * (see {@link Admission}). The slot is given back once the response has ended, with the function's latency unless
 * the call waited for a cold start, which says nothing about how the function answers to concurrency.
 */
final class Admitted implements CallStage {
    private final Vertx vertx;
    private final Admissions admissions;
    private final CallStage next;

    Admitted(Vertx vertx, Admissions admissions, CallStage next) {
        this.vertx = vertx;
        this.admissions = admissions;
        this.next = next;
    }

    @Override
    public Future<Answer> handle(Call call) {
        call.req().pause();
        Admission admission = admissions.of(call.function());
        Future<Admission.Ticket> admitted = admission.enter(vertx.getOrCreateContext(), call.target().function().spec().timeout());
        if (admitted.isComplete() && admitted.succeeded()) return proceed(call, admitted.result());
        // Queued: a client that goes away meanwhile leaves the queue, or gives its slot back unused if it just got one.
        boolean[] gone = {false}; // on this request's event loop only
        call.req().response().closeHandler(v -> {
            gone[0] = true;
            admission.abandon(admitted);
        });
        Promise<Answer> answer = Promise.promise();
        admitted.onComplete(ticket -> {
            if (gone[0]) {
                if (ticket.succeeded()) ticket.result().done();
                answer.complete(Answer.refused(Answer.CLIENT_CLOSED));
            } else if (ticket.succeeded()) {
                proceed(call, ticket.result()).onComplete(answer);
            } else {
                call.req().resume();
                String why = ticket.cause() instanceof Admission.Shed shed ? shed.getMessage() : ResendPolicy.messageOf(ticket.cause());
                answer.complete(Answer.refused(Shedding.shed(call.req(), call.dialect(), "function '" + call.function() + "' is serving all the calls it can: " + why)));
            }
        });
        return answer.future();
    }

    /** Runs an admitted call; its ticket is given back once the call has ended. */
    private Future<Answer> proceed(Call call, Admission.Ticket ticket) {
        return next.handle(call).onSuccess(answer -> answer.ended().onComplete(v -> {
            Answer.Sent sent = answer.sent();
            if (sent == null || sent.coldWaitNanos() > 0 || sent.functionNanos().isEmpty()) ticket.done();
            else ticket.done(sent.functionNanos().getAsLong());
        }));
    }
}
