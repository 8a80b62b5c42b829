package io.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.client.TandemClient;
import io.tandem.http.ApiException;
import io.tandem.model.CodeRef;
import io.tandem.model.Environment;
import io.tandem.model.EnvironmentSpec;
import io.tandem.model.Function;
import io.tandem.model.HttpTrigger;
import io.tandem.model.HttpTriggerSpec;
import io.tandem.model.MessageQueueTrigger;
import io.tandem.model.MessageQueueTriggerSpec;
import io.tandem.model.Metadata;
import io.tandem.model.Resource;
import io.tandem.model.TimeTrigger;
import io.tandem.model.TimeTriggerSpec;
import io.tandem.spec.SpecDocument;
import io.tandem.spec.SpecFiles;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Create or update everything declared in spec files; running it again changes nothing.",
                "Every file is read and checked before anything is sent, so one bad document changes nothing.",
                "Example: tandem apply -f examples/specs/"})
final class ApplyCommand implements Runnable {
    @Option(names = {"-f", "--file"}, required = true, description = "A YAML spec file, or a directory of them.")
    Path file;

    @Override
    public void run() {
        List<SpecDocument> docs = SpecFiles.load(file).stream().sorted(Comparator.comparing(SpecDocument::kind)).toList();
        TandemClient client = Connection.client();
        for (SpecDocument doc : docs) {
            Resource resource = switch (doc.kind()) {
                case ENVIRONMENT -> new Environment(Metadata.named(doc.name()), (EnvironmentSpec) doc.spec());
                case FUNCTION -> {
                    CodeRef code = client.uploadPackage(((SpecDocument.CodePath) doc.spec()).path());
                    yield new Function(Metadata.named(doc.name()), SpecFiles.functionSpec(doc, code));
                }
                case HTTP_TRIGGER -> new HttpTrigger(Metadata.named(doc.name()), (HttpTriggerSpec) doc.spec());
                case TIME_TRIGGER -> new TimeTrigger(Metadata.named(doc.name()), (TimeTriggerSpec) doc.spec());
                case MESSAGE_QUEUE_TRIGGER -> new MessageQueueTrigger(Metadata.named(doc.name()), (MessageQueueTriggerSpec) doc.spec());
            };
            long before = revisionOf(client, resource);
            try {
                long after = client.apply(resource).metadata().revision();
                String what = before < 0 ? "created" : before == after ? "unchanged" : "configured";
                System.out.println(doc.describe() + " " + what);
            } catch (ApiException e) {
                throw new CommandFailedException(doc.file() + ":" + doc.line() + ": " + doc.describe() + ": " + e.getMessage());
            }
        }
    }

    private static long revisionOf(TandemClient client, Resource r) {
        try {
            JsonNode current = client.get(r.kind().collectionPath() + "/" + TandemClient.encode(r.name()));
            return current.path("metadata").path("revision").asLong(-1);
        } catch (ApiException e) {
            if (e.status() == 404) return -1;
            throw e;
        }
    }
}
