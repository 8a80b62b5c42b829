package io.tandem.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.tandem.runtime.TestInstance;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.joda.time.DateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lambda handlers of the common event types, fed events shaped as AWS sends them (real key casing, Joda dates,
 * base64 data), in a function jar that bundles aws-lambda-java-events as a Lambda deployment does.
 */
class LambdaEventsTest {
    private static final Map<String, String> SOURCES = Map.of("fn/Events.java", """
            package fn;
            import com.amazonaws.services.lambda.runtime.Context;
            import com.amazonaws.services.lambda.runtime.events.*;
            import java.nio.charset.StandardCharsets;
            import java.util.Map;
            public class Events {
                public String sqs(SQSEvent event, Context c) {
                    var first = event.getRecords().get(0);
                    return event.getRecords().size() + " " + first.getBody() + " " + first.getEventSource()
                            + " " + first.getMessageAttributes().get("kind").getStringValue();
                }
                public String sns(SNSEvent event) {
                    var sns = event.getRecords().get(0).getSNS();
                    return sns.getSubject() + ": " + sns.getMessage() + " at " + sns.getTimestamp().getYear();
                }
                public String s3(S3Event event) {
                    var record = event.getRecords().get(0);
                    return record.getEventName() + " " + record.getS3().getBucket().getName() + "/" + record.getS3().getObject().getKey();
                }
                public String dynamodb(DynamodbEvent event) {
                    var record = event.getRecords().get(0);
                    return record.getEventName() + " " + record.getDynamodb().getNewImage().get("name").getS();
                }
                public String kinesis(KinesisEvent event) {
                    var data = event.getRecords().get(0).getKinesis().getData();
                    return StandardCharsets.UTF_8.decode(data).toString();
                }
                public String scheduled(ScheduledEvent event) {
                    return event.getDetailType() + " " + event.getTime().getYear() + "-" + event.getTime().getMonthOfYear();
                }
                public APIGatewayProxyResponseEvent apiV1(APIGatewayProxyRequestEvent event) {
                    return new APIGatewayProxyResponseEvent().withStatusCode(201).withHeaders(Map.of("X-Order", event.getPathParameters().get("id")))
                            .withBody(event.getHttpMethod() + " " + event.getPath() + " verbose=" + event.getQueryStringParameters().get("verbose"));
                }
                public APIGatewayV2HTTPResponse apiV2(APIGatewayV2HTTPEvent event) {
                    return APIGatewayV2HTTPResponse.builder().withStatusCode(202)
                            .withBody(event.getRequestContext().getHttp().getMethod() + " " + event.getRawPath() + " " + event.getBody()).build();
                }
                public String lower(String text) {
                    return text.toLowerCase();
                }
                public int twice(Integer n) {
                    return n * 2;
                }
                public Map<String, Object> described(Map<String, Object> in, Context c) {
                    c.getLogger().log("described for " + in.get("who"));
                    return Map.of("function", c.getFunctionName() + " " + c.getFunctionVersion() + " " + c.getAwsRequestId().length(),
                            "memory", c.getMemoryLimitInMB() + " " + System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
                            "remaining", c.getRemainingTimeInMillis() > 0 && c.getRemainingTimeInMillis() <= 30_000,
                            "logs", c.getLogGroupName() + " " + c.getLogStreamName() + " " + System.getenv("AWS_LAMBDA_LOG_STREAM_NAME"),
                            "env", System.getenv("AWS_LAMBDA_FUNCTION_NAME") + " " + System.getenv("_HANDLER") + " " + System.getenv("AWS_REGION"));
                }
            }
            """);

    @TempDir
    static Path dir;
    private static final java.util.Set<String> OWN_PROCESS = java.util.Set.of("sns", "scheduled", "described");
    private static InstanceProcess process;
    private static TestInstance instance;
    private static Path jar;

    @BeforeAll
    static void buildFunction() throws IOException {
        Path classes = FunctionJars.compile(dir, SOURCES, FunctionJars.locationOf(SQSEvent.class), FunctionJars.locationOf(DateTime.class));
        jar = FunctionJars.jar(dir.resolve("events.jar"), classes, FunctionJars.locationOf(SQSEvent.class), FunctionJars.locationOf(DateTime.class));
    }

    @AfterAll
    static void stop() {
        if (process != null) process.close();
        if (instance != null) instance.close();
    }

    @Test
    void sqsRecordsKeepTheirBodiesAndAttributes() throws IOException {
        assertThat(call("sqs", event("sqs.json"))).isEqualTo("\"2 first order aws:sqs order\"");
    }

    @Test
    void snsRecordsAreReadFromTheirCapitalisedKeys() throws IOException {
        assertThat(call("sns", event("sns.json"))).isEqualTo("\"node n2: disk almost full at 2026\"");
    }

    @Test
    void s3RecordsNameTheBucketAndKey() throws IOException {
        assertThat(call("s3", event("s3.json"))).isEqualTo("\"ObjectCreated:Put photos/2026/cat.jpg\"");
    }

    @Test
    void dynamodbStreamRecordsCarryTheirImages() throws IOException {
        assertThat(call("dynamodb", event("dynamodb.json"))).isEqualTo("\"INSERT tea\"");
    }

    @Test
    void kinesisDataArrivesDecodedFromBase64() throws IOException {
        assertThat(call("kinesis", event("kinesis.json"))).isEqualTo("\"hello from kinesis\"");
    }

    @Test
    void scheduledEventsGetAJodaTime() throws IOException {
        assertThat(call("scheduled", event("scheduled.json"))).isEqualTo("\"Scheduled Event 2026-12\"");
    }

    @Test
    void apiGatewayResponsesAreWrittenWithLambdasKeys() throws IOException {
        assertThat(call("apiV1", event("apigateway-v1.json")))
                .contains("\"statusCode\":201").contains("\"X-Order\":\"42\"").contains("\"body\":\"GET /orders/42 verbose=1\"");
        assertThat(call("apiV2", event("apigateway-v2.json")))
                .contains("\"statusCode\":202").contains("POST /orders {\\\"item\\\":\\\"tea\\\"}");
    }

    @Test
    void aStringInputIsTheDecodedJsonStringAndPlainTextStaysText() {
        assertThat(call("lower", "\"MYSTRING\"")).isEqualTo("\"mystring\"");
        assertThat(call("lower", "Plain Text")).isEqualTo("\"plain text\"");
    }

    @Test
    void numbersAreReadAsJson() {
        assertThat(call("twice", "21")).isEqualTo("42");
    }

    @Test
    void handlersSeeLambdasContextAndVariables() throws IOException {
        String answer = call("described", "{\"who\":\"ada\"}");
        assertThat(answer).contains("\"function\":\"f $LATEST 36\"").contains("\"remaining\":true")
                .contains("\"env\":\"f fn.Events::described us-east-1\"").contains("\"logs\":\"/tandem/f instance-");
        assertThat(answer).containsPattern("\"memory\":\"(\\d+) \\1\"");
        assertThat(answer).containsPattern("\"logs\":\"/tandem/f (instance-\\d+) \\1\"");
        assertThat(java.nio.file.Files.readString(dir.resolve("described.out"))).contains("described for ada");
    }

    @Test
    void anEventThatIsNotJsonIsRefusedWithTheReason() {
        HttpResponse<String> response = invoke("sqs", "{\"Records\": [");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("bad request body").contains("SQSEvent");
    }

    /**
     * A fresh instance per entrypoint, as the platform specializes one per function: in this JVM, or in a process of
     * its own for what per-process state would spoil here (the serialization library binds Joda's classes to the
     * first function that reads a Joda date; the Lambda variables are set once per process).
     */
    private static HttpResponse<String> invoke(String method, String body) {
        if (OWN_PROCESS.contains(method)) {
            if (process != null) process.close();
            try {
                process = InstanceProcess.specialized(jar, "fn.Events::" + method, 30_000, dir.resolve(method + ".out"));
            } catch (Exception e) {
                throw new IllegalStateException("cannot start an instance for " + method, e);
            }
            return process.post("/", body);
        }
        if (instance != null) instance.close();
        instance = TestInstance.generic("java");
        HttpResponse<String> specialized = instance.specialize("{\"function\":\"f\",\"code\":\"" + jar + "\",\"entrypoint\":\"fn.Events::" + method + "\"}");
        assertThat(specialized.statusCode()).as(specialized.body()).isEqualTo(200);
        return instance.post("/", body);
    }

    private static String call(String method, String body) {
        HttpResponse<String> response = invoke(method, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static String event(String name) throws IOException {
        try (InputStream in = LambdaEventsTest.class.getResourceAsStream("/lambda-events/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
