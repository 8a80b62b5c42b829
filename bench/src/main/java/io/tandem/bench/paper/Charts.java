package io.tandem.bench.paper;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's figures, drawn headless with XChart, each written as PNG and SVG: per app and scenario the paper's
 * figures 5 to 10 (throughput, mean and p99 response time, answers by status, second by second, the fault at 0),
 * and its figure 11 (CPU and memory by strategy and scenario). Stateless.
 */
final class Charts {
    private static final int PANEL_WIDTH = 620;
    private static final int PANEL_HEIGHT = 300;
    private static final Map<String, Color> STRATEGY_COLORS = Map.of(
            "retry", new Color(0xC0392B), "active-standby", new Color(0x2471A3), "replicate", new Color(0x1E8449), "none", Color.DARK_GRAY);

    private Charts() {
    }

    /**
     * The seconds of one app and scenario, one series per strategy (averaged over repetitions); writes
     * {@code name.png} and {@code name.svg} into {@code dir}.
     */
    static void timeline(Path dir, String name, String title, Map<String, List<PerSecond>> byStrategy, boolean fault) throws IOException {
        String x = fault ? "seconds from the fault" : "seconds from the start";
        List<Chart<?, ?>> panels = new ArrayList<>();
        panels.add(lines(title + ": throughput", x, "2xx answers per second", byStrategy, PerSecond::succeeded, fault));
        panels.add(lines(title + ": mean response time", x, "ms (by send second)", byStrategy, PerSecond::meanMillis, fault));
        panels.add(lines(title + ": p99 response time", x, "ms (by send second)", byStrategy, PerSecond::p99Millis, fault));
        byStrategy.forEach((strategy, seconds) -> panels.add(statuses(title + ": answers by status, " + strategy, x, seconds, fault)));
        write(dir, name, panels, 2);
    }

    /** Figure 11: per scenario, CPU (core-seconds) and memory (MiB) of each strategy. */
    static void resources(Path dir, String name, String title, List<String> scenarios, Map<String, double[]> cpuByStrategy,
                          Map<String, double[]> memoryByStrategy) throws IOException {
        write(dir, name, List.of(bars(title + ": CPU over the run", "core-seconds (platform and instances)", scenarios, cpuByStrategy),
                bars(title + ": memory", "mean resident MiB (platform and instances)", scenarios, memoryByStrategy)), 2);
    }

    private static XYChart lines(String title, String x, String y, Map<String, List<PerSecond>> byStrategy,
                                 ToDoubleFunction<PerSecond> value, boolean fault) {
        XYChart chart = xy(title, x, y);
        double max = 0;
        for (Map.Entry<String, List<PerSecond>> e : byStrategy.entrySet()) {
            List<PerSecond> ps = e.getValue().stream().filter(p -> !Double.isNaN(value.applyAsDouble(p))).toList();
            if (ps.isEmpty()) continue;
            double[] xs = ps.stream().mapToDouble(PerSecond::second).toArray();
            double[] ys = ps.stream().mapToDouble(value).toArray();
            XYSeries s = chart.addSeries(e.getKey(), xs, ys);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(STRATEGY_COLORS.getOrDefault(e.getKey(), Color.GRAY));
            for (double v : ys) max = Math.max(max, v);
        }
        if (fault) markFault(chart, max);
        return chart;
    }

    private static XYChart statuses(String title, String x, List<PerSecond> seconds, boolean fault) {
        XYChart chart = xy(title, x, "answers per second");
        Map<String, double[]> byStatus = new LinkedHashMap<>();
        double[] xs = seconds.stream().mapToDouble(PerSecond::second).toArray();
        for (int i = 0; i < seconds.size(); i++) {
            for (Map.Entry<String, Double> e : seconds.get(i).byStatus().entrySet()) {
                byStatus.computeIfAbsent(e.getKey(), k -> new double[seconds.size()])[i] = e.getValue();
            }
        }
        double max = 0;
        for (Map.Entry<String, double[]> e : byStatus.entrySet()) {
            XYSeries s = chart.addSeries(e.getKey().equals("none") ? "no answer" : e.getKey(), xs, e.getValue());
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(statusColor(e.getKey()));
            for (double v : e.getValue()) max = Math.max(max, v);
        }
        if (byStatus.isEmpty()) chart.addSeries("no answers", new double[]{0}, new double[]{0});
        if (fault) markFault(chart, max);
        return chart;
    }

    private static CategoryChart bars(String title, String y, List<String> scenarios, Map<String, double[]> byStrategy) {
        CategoryChart chart = new CategoryChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title).xAxisTitle("scenario").yAxisTitle(y).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        byStrategy.forEach((strategy, values) -> {
            List<Double> v = new ArrayList<>();
            for (double d : values) v.add(Double.isNaN(d) ? 0 : d);
            chart.addSeries(strategy, scenarios, v).setFillColor(STRATEGY_COLORS.getOrDefault(strategy, Color.GRAY));
        });
        return chart;
    }

    private static XYChart xy(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(12f));
        return chart;
    }

    /** A dashed vertical line at 0, the fault. */
    private static void markFault(XYChart chart, double max) {
        XYSeries s = chart.addSeries("fault", new double[]{0, 0}, new double[]{0, max <= 0 ? 1 : max * 1.05});
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(Color.BLACK);
        s.setLineStyle(SeriesLines.DASH_DASH);
        s.setLineWidth(1.2f);
    }

    /** Green for success, orange for 4xx, red for 5xx, black for no answer; each code of a class a shade of its own. */
    private static Color statusColor(String status) {
        return switch (status) {
            case "none" -> Color.BLACK;
            case "200" -> new Color(0x1E8449);
            case "201" -> new Color(0x76D7C4);
            case "502" -> new Color(0xC0392B);
            case "503" -> new Color(0xE67E22);
            case "504" -> new Color(0x78281F);
            default -> switch (status.charAt(0)) {
                case '2' -> new Color(0x52BE80);
                case '4' -> new Color(0xD68910);
                case '5' -> new Color(0xEC7063);
                default -> Color.GRAY;
            };
        };
    }

    /** Panels laid out {@code columns} wide, as one PNG and one SVG. */
    private static void write(Path dir, String name, List<Chart<?, ?>> panels, int columns) throws IOException {
        int rows = (panels.size() + columns - 1) / columns;
        int width = PANEL_WIDTH * Math.min(columns, panels.size());
        int height = PANEL_HEIGHT * rows;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        paint(g, panels, columns, width, height);
        g.dispose();
        ImageIO.write(image, "png", dir.resolve(name + ".png").toFile());

        VectorGraphics2D vg = new VectorGraphics2D();
        paint(vg, panels, columns, width, height);
        try (OutputStream out = Files.newOutputStream(dir.resolve(name + ".svg"))) {
            new SVGProcessor().getDocument(vg.getCommands(), new PageSize(0, 0, width, height)).writeTo(out);
        }
    }

    private static void paint(Graphics2D g, List<Chart<?, ?>> panels, int columns, int width, int height) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        for (int i = 0; i < panels.size(); i++) {
            Graphics2D panel = (Graphics2D) g.create((i % columns) * PANEL_WIDTH, (i / columns) * PANEL_HEIGHT, PANEL_WIDTH, PANEL_HEIGHT);
            panel.setStroke(new BasicStroke(1f));
            panels.get(i).paint(panel, PANEL_WIDTH, PANEL_HEIGHT);
            panel.dispose();
        }
    }
}
