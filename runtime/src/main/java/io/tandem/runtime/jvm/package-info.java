/** The {@code java} runtime: loads a function's jar in its own class loader and adapts its handler to HTTP. */
package io.tandem.runtime.jvm;
