package example.guestbook;

import java.util.List;
import java.util.stream.Collectors;

/** The little JSON the guestbook writes: strings and lists of them. */
final class Json {
    private Json() {
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }

    static String array(List<String> items) {
        return items.stream().map(Json::quote).collect(Collectors.joining(",", "[", "]"));
    }

    static String error(String error, String detail) {
        return "{\"error\":" + quote(error) + ",\"detail\":" + quote(detail) + "}";
    }
}
