package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A stored, named resource. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Environment.class, name = "Environment"),
        @JsonSubTypes.Type(value = Function.class, name = "Function"),
        @JsonSubTypes.Type(value = HttpTrigger.class, name = "HttpTrigger"),
        @JsonSubTypes.Type(value = TimeTrigger.class, name = "TimeTrigger"),
        @JsonSubTypes.Type(value = MessageQueueTrigger.class, name = "MessageQueueTrigger")})
public sealed interface Resource permits Environment, Function, HttpTrigger, TimeTrigger, MessageQueueTrigger {
    Metadata metadata();

    @JsonIgnore
    Kind kind();

    @JsonIgnore
    default String name() {
        return metadata().name();
    }

    enum Kind {
        ENVIRONMENT("Environment"), FUNCTION("Function"), HTTP_TRIGGER("HttpTrigger"), TIME_TRIGGER("TimeTrigger"),
        MESSAGE_QUEUE_TRIGGER("MessageQueueTrigger");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        /** The API's path of this kind's resources, as in {@code /v1/functions/<name>}. */
        public String collectionPath() {
            return switch (this) {
                case ENVIRONMENT -> "/v1/environments";
                case FUNCTION -> "/v1/functions";
                case HTTP_TRIGGER -> "/v1/triggers/http";
                case TIME_TRIGGER -> "/v1/triggers/time";
                case MESSAGE_QUEUE_TRIGGER -> "/v1/triggers/messagequeue";
            };
        }

        /** As in a spec's {@code kind:} field. */
        public String wireName() {
            return wireName;
        }
    }
}
