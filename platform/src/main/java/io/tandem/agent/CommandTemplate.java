package io.tandem.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * An environment's command template split into argv the way a shell would split a simple command (whitespace,
 * single and double quotes, no expansion), then {@code {code}} and {@code {java}} replaced inside each word, so a
 * code path with spaces stays one argument.
 */
final class CommandTemplate {
    private CommandTemplate() {
    }

    static List<String> expand(String template, String code, String java) {
        List<String> argv = new ArrayList<>();
        for (String word : split(template)) {
            argv.add(word.replace("{code}", code == null ? "" : code).replace("{java}", java));
        }
        return argv;
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
