package io.tandem.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A code package in the controller's content-addressed store, as a function refers to it. */
public record CodeRef(String sha256, String filename, long size, PackageKind kind) {
    public enum PackageKind {
        JAR, ZIP, FILE;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static PackageKind fromWire(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }
}
