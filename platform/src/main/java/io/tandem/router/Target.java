package io.tandem.router;

import java.util.Map;

/**
 * Where a request goes: {@code function}, with {@code uri} the path and query the instance sees, and the path
 * parameters of the matched trigger (empty for {@code /function/<name>}). {@code route} names the way in for
 * metrics, as a template and never the raw path: the trigger's path as written ({@code /users/{id}}), or
 * {@value RequestMetrics#FUNCTION_ROUTE}.
 */
record Target(Routes.FunctionRoute function, String uri, Map<String, String> params, String route) {
}
