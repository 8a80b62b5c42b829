package io.tandem.model;

import java.util.regex.Pattern;

/**
 * NATS subjects as Tandem accepts them: tokens of letters, digits, '-' and '_' separated by '.', where a topic may
 * use {@code *} for one whole token and {@code >} for the last one. Subjects starting with '$' (the server's own,
 * such as {@code $JS.API}) are refused.
 */
public final class Subjects {
    static final int MAX_LENGTH = 255;
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]+");

    private Subjects() {
    }

    /** Throws {@link InvalidResourceException} on {@code field} unless {@code subject} is valid; wildcards only when {@code wildcards}. */
    public static String require(String field, String subject, boolean wildcards) {
        String problem = problem(subject, wildcards);
        if (problem != null) throw new InvalidResourceException(field, problem);
        return subject;
    }

    private static String problem(String subject, boolean wildcards) {
        if (subject == null || subject.isBlank()) return "missing: give a NATS subject such as orders.created";
        String quoted = "'" + subject + "'";
        if (subject.length() > MAX_LENGTH) return quoted + " is longer than " + MAX_LENGTH + " characters";
        String rule = ": write tokens of letters, digits, '-' and '_' separated by '.', such as orders.created"
                + (wildcards ? " (with '*' for one token or a final '>')" : " (no wildcards: messages are published to it)");
        String[] tokens = subject.split("\\.", -1);
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.isEmpty()) return quoted + " has an empty token" + rule;
            if (t.equals("*") || (t.equals(">") && i == tokens.length - 1)) {
                if (!wildcards) return quoted + " has a wildcard" + rule;
                continue;
            }
            if (!TOKEN.matcher(t).matches()) return quoted + " has the invalid token '" + t + "'" + rule;
        }
        return null;
    }

    /** Whether the concrete subject {@code subject} is one that {@code pattern} (which may hold wildcards) matches. */
    public static boolean matches(String pattern, String subject) {
        String[] p = pattern.split("\\.");
        String[] s = subject.split("\\.");
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals(">")) return s.length > i;
            if (i >= s.length) return false;
            if (!p[i].equals("*") && !p[i].equals(s[i])) return false;
        }
        return p.length == s.length;
    }
}
