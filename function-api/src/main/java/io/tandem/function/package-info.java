/**
 * The API a Tandem function compiles against: implement {@link io.tandem.function.Handler}. No dependencies; the
 * runtime provides these classes, so declare this artifact with {@code provided} scope.
 */
package io.tandem.function;
