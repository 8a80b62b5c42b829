/**
 * Active-standby pairs: deciding what a function's pair needs (promote the standby, start a standby, back off a
 * crash loop). Deciding only; the executor carries the decisions out.
 */
package io.tandem.executor.standby;
