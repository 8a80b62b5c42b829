package io.tandem.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * An environment's command template split into argv the way a shell would split a simple command (whitespace,
 * single and double quotes, no expansion), then its placeholders replaced inside each word, so a path with spaces
 * stays one argument: {@code {code}} (the code as the runtime takes it: the unpacked directory of a zip or, but for
 * java, a jar), {@code {jar}} or its alias {@code {artifact}} (the file as it was uploaded, so {@code java -jar {jar}}
 * runs a fat jar), {@code {java}} (the JVM that runs Tandem) and {@code {clients}} (the directory of Tandem's Lambda
 * runtime interface clients, {@link LambdaClients}). Other braces, such as the lambda runtime's {@code {handler}},
 * pass through.
 */
final class CommandTemplate {
    static final String CLIENTS = "{clients}";

    private CommandTemplate() {
    }

    /**
     * What the placeholders stand for. {@code code} and {@code artifact} are null for a function without code;
     * {@code clients} is asked only by a template that names it.
     */
    record Values(String code, String artifact, String java, Supplier<String> clients) {
    }

    static List<String> expand(String template, Values values) {
        if (usesArtifact(template) && values.artifact() == null) {
            throw new IllegalArgumentException("the command '" + template + "' names {jar}, the function's uploaded file, and this function has no code:"
                    + " give it some (tandem fn update --code app.jar), or use a command without {jar}");
        }
        String clients = template.contains(CLIENTS) ? values.clients().get() : null;
        List<String> argv = new ArrayList<>();
        for (String word : split(template)) {
            String artifact = values.artifact() == null ? "" : values.artifact();
            word = word.replace("{code}", values.code() == null ? "" : values.code()).replace("{jar}", artifact).replace("{artifact}", artifact)
                    .replace("{java}", values.java());
            argv.add(clients == null ? word : word.replace(CLIENTS, clients));
        }
        return argv;
    }

    /** Whether {@code template} names the uploaded file, which the instance then needs beside its code. */
    static boolean usesArtifact(String template) {
        return template != null && (template.contains("{jar}") || template.contains("{artifact}"));
    }

    static List<String> split(String template) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else word.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(word.toString());
                word.setLength(0);
                inWord = false;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unbalanced quote in command '" + template + "'");
        if (inWord) words.add(word.toString());
        if (words.isEmpty()) throw new IllegalArgumentException("empty command");
        return words;
    }
}
