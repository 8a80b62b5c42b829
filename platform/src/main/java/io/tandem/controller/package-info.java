/**
 * The controller role: the REST API over the store of environments, functions, triggers and code packages, and
 * the change feed that the router and executor follow.
 */
package io.tandem.controller;
