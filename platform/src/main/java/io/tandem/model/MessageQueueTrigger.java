package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

public record MessageQueueTrigger(Metadata metadata, MessageQueueTriggerSpec spec) implements Resource {
    @Override
    @JsonIgnore
    public Kind kind() {
        return Kind.MESSAGE_QUEUE_TRIGGER;
    }
}
