package io.tandem.mqt;

import io.tandem.model.MessageQueueTriggerSpec;
import java.time.Duration;

/** What to do with a message once its call ended: acknowledge it, deliver it again later, or give it up. */
sealed interface Verdict {
    /** The function answered 2xx: publish the answer (when the trigger has a respTopic), then acknowledge. */
    record Succeeded() implements Verdict {
    }

    /** Deliver it again after {@code delay}. */
    record Retry(Duration delay, String reason) implements Verdict {
    }

    /** Retries are spent: publish it on the errorTopic (when set) with {@code reason}, then terminate it. */
    record GiveUp(String reason) implements Verdict {
    }

    /**
     * Decides for delivery {@code attempt} (1 for the first) whose call {@code succeeded} (a 2xx answer) or failed
     * for {@code reason}: a message is delivered at most {@code maxRetries} + 1 times before it is given up.
     */
    static Verdict of(MessageQueueTriggerSpec spec, long attempt, boolean succeeded, String reason) {
        if (succeeded) return new Succeeded();
        if (attempt <= spec.maxRetries()) return new Retry(spec.backoff(attempt), reason);
        return new GiveUp(reason);
    }
}
