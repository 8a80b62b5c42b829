package io.tandem.model;

/**
 * One entry of the controller's change feed. For {@link Type#DELETED} the resource is the last stored version.
 * {@code revision} increases by one for every change in the store.
 */
public record Change(long revision, Type type, Resource resource) {
    public enum Type { ADDED, MODIFIED, DELETED }
}
