package io.tandem.model;

/** A code package in the controller's content-addressed store, as a function refers to it. */
public record CodeRef(String sha256, String filename, long size, PackageKind kind) {
    public enum PackageKind {
        JAR, ZIP, FILE;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static PackageKind fromWire(String text) {
            return valueOf(text.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
