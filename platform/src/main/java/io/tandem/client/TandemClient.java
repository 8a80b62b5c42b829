package io.tandem.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.home.ServerInfo;
import io.tandem.home.TandemHome;
import io.tandem.http.ApiException;
import io.tandem.http.ErrorBody;
import io.tandem.model.CodeRef;
import io.tandem.model.Json;
import io.tandem.model.Resource;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLHandshakeException;

/**
 * A client of the controller's REST API, as the CLI and tests use it. Thread-safe.
 *
 * <p>Every refused request becomes an {@link ApiException} carrying the server's error and detail; a server that
 * does not answer becomes a {@link ServerUnreachableException} saying how to start one.
 */
public final class TandemClient {
    private final URI api;
    private final String token;
    private final HttpClient http;
    /** Says why the API may not answer; null when nothing more is known than its address. */
    private final Supplier<String> unreachableReason;

    private final ServerTrust trust;

    public TandemClient(URI api, String token) {
        this(api, token, ServerTrust.system());
    }

    /** {@code trust}: which certificate an {@code https} API may show. */
    public TandemClient(URI api, String token, ServerTrust trust) {
        this(api, token, trust, () -> null);
    }

    private TandemClient(URI api, String token, ServerTrust trust, Supplier<String> unreachableReason) {
        this.api = api;
        this.token = token;
        this.trust = trust;
        this.unreachableReason = unreachableReason;
        this.http = trust.applyTo(HttpClient.newBuilder()).connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * The client of the server recorded in {@code home}; {@code TANDEM_API_URL} overrides its address. An {@code https}
     * API is trusted as {@link ServerTrust#fromEnvironment} says.
     */
    public static TandemClient fromHome(TandemHome home) {
        String override = System.getenv("TANDEM_API_URL");
        Optional<ServerInfo> recorded = ServerInfo.readFrom(home);
        String url = override != null && !override.isBlank() ? override
                : recorded.map(ServerInfo::api).orElseThrow(() -> new ServerUnreachableException(
                        "no Tandem server is running for TANDEM_HOME=" + home.root() + ": start one with './tandem server'", null));
        return new TandemClient(URI.create(url), home.readToken(), ServerTrust.fromEnvironment(recorded), () -> ServerInfo.readFrom(home)
                .filter(info -> info.controllerPid() > 0 && ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false))
                .map(info -> "the server (pid " + info.pid() + ") runs, so its controller is restarting: deployed functions keep serving;"
                        + " try again in a moment, or see " + home.root().resolve("controller.log"))
                .orElse(null));
    }

    public URI api() {
        return api;
    }

    public JsonNode get(String path) {
        return send(request(path).GET());
    }

    public JsonNode delete(String path) {
        return send(request(path).DELETE());
    }

    public JsonNode put(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body))));
    }

    public JsonNode post(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body))));
    }

    /** Creates or replaces a resource (as {@code tandem apply} does); returns the stored resource. */
    public Resource apply(Resource resource) {
        JsonNode stored = put(resource.kind().collectionPath() + "/" + resource.name(), resource);
        return Json.MAPPER.convertValue(stored, Resource.class);
    }


    /** Uploads a code package (stored once per content) and returns the reference a function stores. */
    public CodeRef uploadPackage(Path file) {
        try {
            HttpRequest.Builder req = request("/v1/packages")
                    .header("Content-Type", "application/octet-stream")
                    .header("X-Tandem-Filename", file.getFileName().toString())
                    .POST(HttpRequest.BodyPublishers.ofFile(file));
            return Json.MAPPER.treeToValue(send(req), CodeRef.class);
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException("cannot read code file " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a streamed text response (logs, watch) to {@code out} until the server ends it. */
    public void stream(String path, OutputStream out) {
        try {
            HttpResponse<InputStream> response = http.send(request(path).GET().timeout(Duration.ofDays(365)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() >= 400) throw toApiException(response.statusCode(), in.readAllBytes());
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
        } catch (ConnectException e) {
            throw unreachable(e);
        } catch (SSLHandshakeException e) {
            throw untrusted(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(api.resolve(path))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
    }

    private JsonNode send(HttpRequest.Builder builder) {
        try {
            HttpResponse<byte[]> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() >= 400) throw toApiException(response.statusCode(), response.body());
            byte[] body = response.body();
            return body.length == 0 ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(body);
        } catch (ConnectException e) {
            throw unreachable(e);
        } catch (SSLHandshakeException e) {
            throw untrusted(e);
        } catch (IOException e) {
            throw new UncheckedIOException("request to " + api + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private ServerUnreachableException unreachable(Exception e) {
        String reason = unreachableReason.get();
        return new ServerUnreachableException("cannot reach the Tandem API at " + api + ": "
                + (reason != null ? reason : "is 'tandem server' running?"), e);
    }

    /** The server's certificate is not the one trusted: never retried, never ignored. */
    private UncheckedIOException untrusted(SSLHandshakeException e) {
        return new UncheckedIOException("refused the TLS certificate of " + api + " (trusting " + trust.describe() + "): " + e.getMessage()
                + "; set TANDEM_TLS_FINGERPRINT to the fingerprint the server printed at start, or TANDEM_TLS_CA to its CA file", e);
    }

    static ApiException toApiException(int status, byte[] body) {
        return ErrorBody.parse(body).map(e -> new ApiException(status, e.error(), e.detail())).orElseGet(() -> {
            String text = new String(body, StandardCharsets.UTF_8).strip(); // not an error body: show the raw text
            return new ApiException(status, "HTTP " + status, text.length() > 500 ? text.substring(0, 500) + "..." : text);
        });
    }

    /** Names of the resources of one kind, for completion and listing. */
    public List<JsonNode> list(Resource.Kind kind) {
        JsonNode node = get(kind.collectionPath());
        JsonNode items = node.has("items") ? node.get("items") : node;
        List<JsonNode> out = new ArrayList<>();
        items.forEach(out::add);
        return out;
    }
}
