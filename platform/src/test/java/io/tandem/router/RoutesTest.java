package io.tandem.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.Change;
import io.tandem.model.Function;
import io.tandem.model.FunctionSpec;
import io.tandem.model.HttpTrigger;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Resource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutesTest {
    private final Routes routes = new Routes();
    private long revision;

    private void add(Resource r) {
        routes.accept(new Change(++revision, Change.Type.ADDED, r));
    }

    private void function(String name) {
        add(new Function(Metadata.named(name), new FunctionSpec("java", null, "x", null, null, null, null, null, null, null, null)));
    }

    private void trigger(String function, String method, String path) {
        add(new HttpTrigger(Metadata.named("t-" + function), new HttpTriggerSpec(function, method, path)));
    }

    private String target(String method, String path) {
        return switch (routes.resolve(method, path, null)) {
            case Routes.Found found -> found.target().function().name() + " " + found.target().uri();
            case Routes.Missing missing -> "404";
        };
    }

    @Test
    void theInstanceProtocolsPathsNeverReachAFunctionHoweverTheyAreSpelt() {
        function("f");
        trigger("f", "*", "/*");

        assertThat(target("GET", "/function/f/_/health")).isEqualTo("404");
        assertThat(target("POST", "/function/f/_/specialize")).isEqualTo("404");
        assertThat(target("GET", "/function/f/%5F/health")).isEqualTo("404");
        assertThat(target("GET", "/function/f/%5f%2Fhealth")).isEqualTo("404");
        assertThat(target("GET", "/function/f/x/../_/health")).isEqualTo("404");
        assertThat(target("GET", "/function/f//_/health")).isEqualTo("404");
        assertThat(target("GET", "/function/f/_")).isEqualTo("404");
        assertThat(target("GET", "/_/health")).as("through a catch-all trigger").isEqualTo("404");
        assertThat(target("GET", "/%5F/health")).isEqualTo("404");
        assertThat(Routes.reserved("/_/health")).isTrue();

        assertThat(target("GET", "/function/f/x/_/health")).isEqualTo("f /x/_/health");
        assertThat(target("GET", "/function/f/_x")).isEqualTo("f /_x");
        assertThat(target("GET", "/__/y")).isEqualTo("f /__/y");
        assertThat(target("GET", "/function/f/%zz")).isEqualTo("f /%zz");
    }

    @Test
    void rootPrefixCatchesWhatNothingElseMatches() {
        function("all");
        function("api");
        trigger("all", "*", "/*");
        trigger("api", "*", "/api/*");

        assertThat(target("GET", "/")).isEqualTo("all /");
        assertThat(target("GET", "/apix")).isEqualTo("all /apix");
        assertThat(target("GET", "/api")).isEqualTo("api /api");
        assertThat(target("GET", "/api/v1/x")).isEqualTo("api /api/v1/x");
    }

    @Test
    void paramsNeedAWholeNonEmptySegmentAndTrailingSlashesMatter() {
        function("user");
        trigger("user", "GET", "/users/{id}");

        assertThat(target("GET", "/users/7")).isEqualTo("user /users/7");
        assertThat(target("GET", "/users/")).isEqualTo("404");
        assertThat(target("GET", "/users/7/")).isEqualTo("404");
        assertThat(target("GET", "/users/7/x")).isEqualTo("404");
    }

    @Test
    void moreLiteralSegmentsWinAmongParameterRoutes() {
        function("generic");
        function("specific");
        add(new HttpTrigger(Metadata.named("a"), new HttpTriggerSpec("generic", "GET", "/{kind}/{id}")));
        add(new HttpTrigger(Metadata.named("b"), new HttpTriggerSpec("specific", "GET", "/users/{id}")));

        assertThat(target("GET", "/users/1")).isEqualTo("specific /users/1");
        assertThat(target("GET", "/teams/1")).isEqualTo("generic /teams/1");
    }

    @Test
    void extractsParameters() {
        function("f");
        trigger("f", "*", "/a/{x}/b/{y}");

        Routes.Found found = (Routes.Found) routes.resolve("GET", "/a/1/b/2", "q=3");

        assertThat(found.target().params()).isEqualTo(Map.of("x", "1", "y", "2"));
        assertThat(found.target().uri()).isEqualTo("/a/1/b/2?q=3");
    }

    @Test
    void deletedTriggerStopsMatching() {
        function("f");
        HttpTrigger t = new HttpTrigger(Metadata.named("t"), new HttpTriggerSpec("f", "GET", "/x"));
        add(t);
        routes.accept(new Change(++revision, Change.Type.DELETED, t));

        assertThat(target("GET", "/x")).isEqualTo("404");
    }
}
