package io.tandem.controller;

import io.tandem.controller.store.ResourceStore;
import io.tandem.http.ApiException;
import io.tandem.http.ErrorReply;
import io.tandem.packages.PackageStore;
import io.tandem.packages.RejectedPackageException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;

/**
 * {@code /v1/packages}: uploads stream through {@link PackageStore.Upload} chunk by chunk on Vert.x's ordered
 * worker threads (the request is paused while a chunk is written, so memory stays flat); downloads are sent from
 * the file.
 */
final class PackageRoutes {
    static final String FILENAME_HEADER = "X-Tandem-Filename";
    /** How much of a refused upload is read and dropped before its connection is closed, and for how long. */
    private static final long LINGER_BYTES = 8L << 20;
    private static final long LINGER_MS = 2_000;

    private final Vertx vertx;
    private final PackageStore packages;
    private final ResourceStore store;

    PackageRoutes(Vertx vertx, PackageStore packages, ResourceStore store) {
        this.vertx = vertx;
        this.packages = packages;
        this.store = store;
    }

    void register(Router router) {
        router.post("/v1/packages").handler(this::upload);
        router.get("/v1/packages/:sha").handler(ctx -> download(ctx, false));
        router.head("/v1/packages/:sha").handler(ctx -> download(ctx, true));
        router.delete("/v1/packages/:sha").handler(this::delete);
    }

    private void upload(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String length = req.getHeader("Content-Length");
        if (length != null && parseLong(length) > packages.maxBytes()) {
            refuseAndClose(req, tooLarge());
            return;
        }
        String filename = req.getHeader(FILENAME_HEADER);
        if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) req.response().writeContinue();
        req.pause();
        vertx.executeBlocking(() -> packages.begin(filename)).onFailure(ctx::fail).onSuccess(upload -> receive(ctx, upload));
    }

    /**
     * Streams the paused request into {@code upload}, one chunk at a time on a worker (ordered, so writes, the close
     * and the commit run in turn) while the request waits; the first refused chunk or broken connection ends it.
     */
    private void receive(RoutingContext ctx, PackageStore.Upload upload) {
        HttpServerRequest req = ctx.request();
        boolean[] failed = {false};
        req.handler(chunk -> {
            if (failed[0]) return;
            req.pause();
            byte[] bytes = chunk.getBytes();
            vertx.executeBlocking(() -> {
                upload.write(bytes, 0, bytes.length);
                return null;
            }, true).onSuccess(v -> req.resume()).onFailure(e -> {
                failed[0] = true;
                closeQuietly(upload);
                if (e instanceof RejectedPackageException r) refuseAndClose(req, toApi(r));
                else ctx.fail(e);
            });
        });
        req.exceptionHandler(e -> {
            failed[0] = true;
            vertx.executeBlocking(() -> {
                upload.close(); // ordered: after any write still running
                return null;
            }, true);
        });
        req.endHandler(v -> {
            if (failed[0]) return;
            vertx.executeBlocking(upload::commit, true)
                    .onSuccess(stored -> Replies.json(ctx, stored.created() ? 201 : 200, stored.ref()))
                    .onFailure(e -> {
                        if (e instanceof RejectedPackageException r) ErrorReply.send(ctx.response(), toApi(r));
                        else ctx.fail(e);
                    });
        });
        req.resume();
    }

    private void download(RoutingContext ctx, boolean headOnly) {
        String sha = sha(ctx);
        vertx.executeBlocking(() -> packages.exists(sha) ? Files.size(packages.path(sha)) : -1L).onFailure(ctx::fail).onSuccess(size -> {
            if (size < 0) {
                ErrorReply.send(ctx.response(), missing(sha));
                return;
            }
            HttpServerResponse resp = ctx.response().putHeader("Content-Type", "application/octet-stream")
                    .putHeader("ETag", "\"" + sha + "\"");
            if (headOnly) {
                resp.putHeader("Content-Length", Long.toString(size)).end();
            } else {
                resp.sendFile(packages.path(sha).toString()).onFailure(e -> resp.reset());
            }
        });
    }

    private void delete(RoutingContext ctx) {
        String sha = sha(ctx);
        // In the store's transaction, so no function can start to use it meanwhile.
        Future.fromCompletionStage(store.submitWrite(tx -> {
            var user = Admission.userOfPackage(tx, sha);
            if (user.isPresent()) {
                throw ApiException.conflict("package " + sha + " is the code of function '" + user.get() + "'",
                        "delete the function, or give it other code, first");
            }
            if (!packages.delete(sha)) throw missing(sha);
            return Map.of("deleted", sha);
        }), vertx.getOrCreateContext()).onSuccess(body -> Replies.json(ctx, 200, body)).onFailure(ctx::fail);
    }

    private static String sha(RoutingContext ctx) {
        String sha = ctx.pathParam("sha");
        if (!PackageStore.isSha256(sha)) {
            throw ApiException.badRequest("'" + sha + "' is not a SHA-256", "give the 64 lower-case hex digits that the upload returned");
        }
        return sha;
    }

    private static ApiException missing(String sha) {
        return ApiException.notFound("package " + sha + " is not in the store", "upload it with POST /v1/packages");
    }

    private ApiException tooLarge() {
        return new ApiException(413, "the package is larger than the " + packages.maxBytes() + " bytes allowed",
                "ship a smaller package (leave out unused dependencies), or raise the server's package size limit");
    }

    static ApiException toApi(RejectedPackageException e) {
        int status = switch (e.reason()) {
            case TOO_LARGE -> 413;
            case QUOTA_EXCEEDED -> 507;
            case UNSAFE_ARCHIVE, CORRUPT_ARCHIVE -> 400;
        };
        return new ApiException(status, "package refused: " + e.getMessage(), e.fix());
    }

    /** Answers at once and closes the connection, so the client stops sending a body that will not be read. */
    private void refuseAndClose(HttpServerRequest req, ApiException e) {
        HttpServerResponse resp = req.response();
        if (resp.ended()) return;
        if (req.version() == HttpVersion.HTTP_2) {
            // RFC 9113 8.1: a complete response, then RST_STREAM NO_ERROR asks the client to stop sending
            resp.endHandler(v -> resp.reset(0));
            ErrorReply.send(resp, e);
            return;
        }
        resp.putHeader("Connection", "close");
        resp.endHandler(v -> lingerThenClose(req));
        ErrorReply.send(resp, e);
    }

    /**
     * Closing a connection whose client is still sending makes the kernel answer the unread bytes with a reset, which
     * can discard the refusal before the client reads it. So the rest of the body is read and dropped, up to
     * {@link #LINGER_BYTES} or {@link #LINGER_MS}, and the connection closed after that (a lingering close).
     */
    private void lingerThenClose(HttpServerRequest req) {
        if (req.isEnded()) {
            req.connection().close();
            return;
        }
        long[] drained = {0};
        long timer = vertx.setTimer(LINGER_MS, t -> req.connection().close());
        req.handler(chunk -> {
            drained[0] += chunk.length();
            if (drained[0] > LINGER_BYTES) {
                vertx.cancelTimer(timer);
                req.connection().close();
            }
        });
        req.endHandler(v -> {
            vertx.cancelTimer(timer);
            req.connection().close();
        });
        req.exceptionHandler(x -> vertx.cancelTimer(timer));
        req.resume();
    }

    private static long parseLong(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid Content-Length '" + text + "'", "send a number");
        }
    }

    private static void closeQuietly(PackageStore.Upload upload) {
        try {
            upload.close();
        } catch (IOException ignored) {
            // the part file is removed at the next start
        }
    }
}
