package io.tandem.cli;

import io.tandem.client.TandemClient;
import io.tandem.http.ApiException;
import io.tandem.spec.SpecDocument;
import io.tandem.spec.SpecFiles;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "delete", mixinStandardHelpOptions = true,
        description = {"Delete everything declared in spec files (triggers first, environments last).",
                "Example: tandem delete -f examples/specs/"})
final class DeleteCommand implements Runnable {
    @Option(names = {"-f", "--file"}, required = true, description = "A YAML spec file, or a directory of them.")
    Path file;

    @Override
    public void run() {
        List<SpecDocument> docs = SpecFiles.load(file).stream()
                .sorted(Comparator.comparing(SpecDocument::kind).reversed()).toList();
        TandemClient client = Connection.client();
        for (SpecDocument doc : docs) {
            try {
                client.delete(doc.kind().collectionPath() + "/" + TandemClient.encode(doc.name()));
                System.out.println(doc.describe() + " deleted");
            } catch (ApiException e) {
                if (e.status() != 404) throw new CommandFailedException(doc.file() + ":" + doc.line() + ": " + doc.describe() + ": " + e.getMessage());
                System.out.println(doc.describe() + " not found (nothing to delete)");
            }
        }
    }
}
