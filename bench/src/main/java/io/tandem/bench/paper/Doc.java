package io.tandem.bench.paper;

import java.util.ArrayList;
import java.util.List;

/**
 * A report as blocks, written out as Markdown and as an HTML page that shows the same: headings, paragraphs, lists,
 * tables and figures (PNG in the Markdown, SVG in the page). Not thread-safe; built and written by one thread.
 */
final class Doc {
    sealed interface Block permits Heading, Paragraph, Bullets, Table, Figure {
    }

    record Heading(int level, String text) implements Block {
    }

    record Paragraph(String text) implements Block {
    }

    record Bullets(List<String> items) implements Block {
    }

    record Table(List<String> header, List<List<String>> rows) implements Block {
    }

    /** A figure written as {@code name.png} and {@code name.svg}. */
    record Figure(String name, String caption) implements Block {
    }

    private final List<Block> blocks = new ArrayList<>();

    Doc heading(int level, String text) {
        blocks.add(new Heading(level, text));
        return this;
    }

    Doc paragraph(String text) {
        blocks.add(new Paragraph(text));
        return this;
    }

    Doc bullets(List<String> items) {
        if (!items.isEmpty()) blocks.add(new Bullets(List.copyOf(items)));
        return this;
    }

    Doc table(List<String> header, List<List<String>> rows) {
        blocks.add(new Table(List.copyOf(header), List.copyOf(rows)));
        return this;
    }

    Doc figure(String name, String caption) {
        blocks.add(new Figure(name, caption));
        return this;
    }

    List<Block> blocks() {
        return List.copyOf(blocks);
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        for (Block b : blocks) {
            switch (b) {
                case Heading h -> out.append("#".repeat(h.level())).append(' ').append(h.text()).append("\n\n");
                case Paragraph p -> out.append(p.text()).append("\n\n");
                case Bullets l -> {
                    l.items().forEach(i -> out.append("- ").append(i).append('\n'));
                    out.append('\n');
                }
                case Table t -> {
                    out.append(row(t.header())).append('|').append(" --- |".repeat(t.header().size())).append('\n');
                    t.rows().forEach(r -> out.append(row(r)));
                    out.append('\n');
                }
                case Figure f -> out.append("![").append(f.caption()).append("](").append(f.name()).append(".png)\n\n*")
                        .append(f.caption()).append("* ([SVG](").append(f.name()).append(".svg))\n\n");
            }
        }
        return out.toString();
    }

    String html(String title) {
        StringBuilder out = new StringBuilder("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s</title>
                <style>
                body{font:15px/1.5 system-ui,sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;color:#222}
                table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
                th{background:#f3f3f3}td{font-variant-numeric:tabular-nums}img{max-width:100%%;border:1px solid #eee}
                figcaption{font-style:italic;color:#555}code{background:#f6f6f6;padding:0 3px}
                </style></head><body>
                """.formatted(escape(title)));
        for (Block b : blocks) {
            switch (b) {
                case Heading h -> out.append("<h").append(h.level()).append('>').append(inline(h.text())).append("</h").append(h.level()).append(">\n");
                case Paragraph p -> out.append("<p>").append(inline(p.text())).append("</p>\n");
                case Bullets l -> {
                    out.append("<ul>\n");
                    l.items().forEach(i -> out.append("<li>").append(inline(i)).append("</li>\n"));
                    out.append("</ul>\n");
                }
                case Table t -> {
                    out.append("<table><thead><tr>");
                    t.header().forEach(h -> out.append("<th>").append(inline(h)).append("</th>"));
                    out.append("</tr></thead><tbody>\n");
                    for (List<String> r : t.rows()) {
                        out.append("<tr>");
                        r.forEach(c -> out.append("<td>").append(inline(c)).append("</td>"));
                        out.append("</tr>\n");
                    }
                    out.append("</tbody></table>\n");
                }
                case Figure f -> out.append("<figure><img src=\"").append(escape(f.name())).append(".svg\" alt=\"").append(escape(f.caption()))
                        .append("\"><figcaption>").append(inline(f.caption())).append("</figcaption></figure>\n");
            }
        }
        return out.append("</body></html>\n").toString();
    }

    private static String row(List<String> cells) {
        StringBuilder s = new StringBuilder("|");
        cells.forEach(c -> s.append(' ').append(c.replace("|", "\\|")).append(" |"));
        return s.append('\n').toString();
    }

    /** HTML for the little Markdown the report uses: {@code `code`}, {@code **bold**} and {@code [text](link)}. */
    static String inline(String text) {
        String s = escape(text);
        s = s.replaceAll("`([^`]+)`", "<code>$1</code>");
        s = s.replaceAll("\\*\\*([^*]+)\\*\\*", "<strong>$1</strong>");
        s = s.replaceAll("\\[([^\\]]+)]\\(([^)\\s]+)\\)", "<a href=\"$2\">$1</a>");
        return s;
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
