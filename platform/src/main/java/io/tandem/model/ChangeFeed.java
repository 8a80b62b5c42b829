package io.tandem.model;

import java.util.function.Consumer;

/**
 * The controller's stream of changes, as its readers (router, executor) see it.
 *
 * <p>Thread-safe. {@link #subscribe} first delivers every stored resource as {@link Change.Type#ADDED}, then
 * every later change in revision order, each exactly once, on one thread per subscription; the listener must not
 * block for long.
 */
public interface ChangeFeed {
    AutoCloseable subscribe(Consumer<Change> listener);
}
