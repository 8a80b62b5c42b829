package io.tandem.controller;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.controller.store.ResourceStore;
import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import io.tandem.http.ApiException;
import io.tandem.http.ErrorReply;
import io.tandem.model.Json;
import io.tandem.model.Resource.Kind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The web console and the two API routes only it needs.
 * <pre>
 *   GET  /console/                     the page (HTML, JS, CSS from the jar; no token, it holds no data)
 *   GET  /v1/traffic                   calls and 5xx per second of each function, the last minutes
 *   POST /v1/functions/{name}/invoke   {"method","path","body"} -> {"status","headers","body","millis"}
 * </pre>
 * The page asks for the token and sends it as a bearer header with each call, never in a URL; every data route is
 * under {@code /v1} behind the controller's token check. An invocation goes to the router as {@code curl} would
 * (the console's origin is the API's, so the browser could not call the router itself), and is answered whatever
 * the function's status, with its body as text up to {@value #MAX_SHOWN} bytes.
 */
final class ConsoleRoutes {
    static final int MAX_SHOWN = 64 * 1024;
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

    private final Vertx vertx;
    private final TandemHome home;
    private final ResourceStore store;
    private final ClusterView clusterView;
    private final HttpClient http;

    ConsoleRoutes(Vertx vertx, TandemHome home, ResourceStore store, ClusterView clusterView) {
        this.vertx = vertx;
        this.home = home;
        this.store = store;
        this.clusterView = clusterView;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000));
    }

    /** The page's routes, before the token check. */
    void registerPage(Router router) {
        // Vert.x matches "/console" for "/console/" too: redirect only the bare form.
        router.getWithRegex("^/(console)?$").handler(ctx -> ctx.redirect("/console/"));
        router.get("/console/*").handler(ctx -> {
            // The page loads nothing from elsewhere and may not be framed.
            ctx.response().putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
                    .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer");
            ctx.next();
        }).handler(StaticHandler.create("console").setCachingEnabled(false).setIndexPage("index.html"));
    }

    /** The data routes, after the token check. */
    void registerApi(Router router, BodyHandler jsonBody) {
        router.get("/v1/traffic").handler(ctx -> {
            Future<Object> traffic = clusterView == null ? Future.succeededFuture(Map.of()) : clusterView.traffic();
            traffic.onFailure(ctx::fail).onSuccess(t -> Replies.json(ctx, 200, t));
        });
        router.post("/v1/functions/:name/invoke").handler(jsonBody).handler(this::invoke);
    }

    private void invoke(RoutingContext ctx) {
        String name = ResourceRoutes.pathName(ctx, Kind.FUNCTION);
        Invocation call = Invocation.read(ctx);
        String router = ServerInfo.readFrom(home).map(ServerInfo::routerOnThisMachine).orElse(null);
        if (router == null) throw new ApiException(503, "no router runs", "start Tandem with tandem server");
        String target = router + "/function/" + name + (call.path().equals("/") ? "" : call.path());
        Future.fromCompletionStage(store.submitRead(tx -> tx.get(Kind.FUNCTION, name).isPresent()), vertx.getOrCreateContext())
                .onFailure(ctx::fail).onSuccess(exists -> {
                    if (!exists) {
                        ErrorReply.send(ctx.response(), ResourceRoutes.notFound(Kind.FUNCTION, name));
                        return;
                    }
                    forward(ctx, call, target);
                });
    }

    /** What the console asks to send: the method, the path below the function and the body. */
    private record Invocation(String method, String path, String body) {
        static Invocation read(RoutingContext ctx) {
            JsonNode req;
            try {
                req = Json.read(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes(), JsonNode.class);
            } catch (RuntimeException e) {
                throw ApiException.badRequest("invalid invocation: " + e.getMessage(), "send {\"method\": \"GET\", \"path\": \"/\", \"body\": \"\"}");
            }
            String method = req.path("method").asText("GET").toUpperCase(java.util.Locale.ROOT);
            if (!METHODS.contains(method)) throw ApiException.badRequest("invalid method '" + method + "'", "use one of " + METHODS);
            String path = req.path("path").asText("/");
            if (path.isEmpty()) path = "/";
            if (!path.startsWith("/") || path.startsWith("//") || path.contains("..") || path.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                throw ApiException.badRequest("invalid path '" + path + "'", "give a path that starts with / and holds no spaces or '..', such as /?name=Ada");
            }
            return new Invocation(method, path, req.path("body").asText(""));
        }
    }

    private void forward(RoutingContext ctx, Invocation call, String target) {
        long began = System.nanoTime();
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.valueOf(call.method())).setAbsoluteURI(URI.create(target).toString())
                .setIdleTimeout(120_000);
        http.request(o).compose(r -> call.body().isEmpty() ? r.send() : r.send(Buffer.buffer(call.body())))
                .compose(resp -> resp.body().map(b -> answer(resp, b, began)))
                .onSuccess(out -> Replies.json(ctx, 200, out))
                .onFailure(e -> ErrorReply.send(ctx.response(), new ApiException(502, "the router did not answer " + call.method() + " " + call.path(),
                        e.getMessage() + "; is tandem server running?")));
    }

    /** The function's answer as the console shows it: status, time taken, headers and the body, cut at {@value #MAX_SHOWN} bytes. */
    private static Map<String, Object> answer(HttpClientResponse resp, Buffer b, long began) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", resp.statusCode());
        out.put("millis", (System.nanoTime() - began) / 1_000_000.0);
        Map<String, String> headers = new LinkedHashMap<>();
        resp.headers().forEach(h -> headers.merge(h.getKey(), h.getValue(), (a, c) -> a + ", " + c));
        out.put("headers", headers);
        out.put("body", b.length() > MAX_SHOWN ? b.getString(0, MAX_SHOWN) : b.toString());
        out.put("truncated", b.length() > MAX_SHOWN);
        return out;
    }
}
