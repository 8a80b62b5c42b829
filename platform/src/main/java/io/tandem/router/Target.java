package io.tandem.router;

import java.util.Map;

/**
 * Where a request goes: {@code function}, with {@code uri} the path and query the instance sees, and the path
 * parameters of the matched trigger (empty for {@code /function/<name>}).
 */
record Target(Routes.FunctionRoute function, String uri, Map<String, String> params) {
}
