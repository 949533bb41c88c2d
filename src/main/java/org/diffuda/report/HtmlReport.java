package org.diffuda.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.diffuda.util.AtomicFiles;

/**
 * A self-contained HTML report: headings, text, tables, images (files beside the report) and
 * line charts drawn as inline SVG, so it opens in any browser with no network.
 */
public final class HtmlReport {
    private final StringBuilder body = new StringBuilder();
    private final String title;

    public HtmlReport(String title) {
        this.title = title;
        heading(1, title);
    }

    public HtmlReport heading(int level, String text) {
        body.append("<h").append(level).append('>').append(esc(text)).append("</h").append(level).append(">\n");
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(esc(text)).append("</p>\n");
        return this;
    }

    public HtmlReport pre(String text) {
        body.append("<pre>").append(esc(text)).append("</pre>\n");
        return this;
    }

    public HtmlReport table(List<String> header, List<List<String>> rows) {
        body.append("<table><tr>");
        header.forEach(h -> body.append("<th>").append(esc(h)).append("</th>"));
        body.append("</tr>\n");
        for (List<String> r : rows) {
            body.append("<tr>");
            r.forEach(c -> body.append("<td>").append(esc(c)).append("</td>"));
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    public HtmlReport image(String relativePath, String caption) {
        body.append("<figure><img src=\"").append(esc(relativePath)).append("\" alt=\"").append(esc(caption))
                .append("\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n");
        return this;
    }

    /** Line chart of named series of (x, y) points. */
    public HtmlReport chart(String caption, String xLabel, String yLabel, Map<String, List<double[]>> series) {
        int w = 640, h = 300, l = 50, r = 120, t = 15, b = 35;
        double xmin = Double.MAX_VALUE, xmax = -Double.MAX_VALUE, ymin = Double.MAX_VALUE, ymax = -Double.MAX_VALUE;
        for (List<double[]> s : series.values()) {
            for (double[] p : s) {
                xmin = Math.min(xmin, p[0]);
                xmax = Math.max(xmax, p[0]);
                ymin = Math.min(ymin, p[1]);
                ymax = Math.max(ymax, p[1]);
            }
        }
        if (xmin == Double.MAX_VALUE) {
            return this;
        }
        ymin = Math.min(0, ymin);
        if (xmax == xmin) {
            xmax = xmin + 1;
        }
        if (ymax == ymin) {
            ymax = ymin + 1;
        }
        String[] colors = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">", w, h));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>", l, t, w - l - r, h - t - b));
        for (int i = 0; i <= 4; i++) {
            double yv = ymin + (ymax - ymin) * i / 4;
            double yy = t + (h - t - b) * (1 - i / 4.0);
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.3g</text>", l - 4, yy + 3, yv));
            double xv = xmin + (xmax - xmin) * i / 4;
            double xx = l + (w - l - r) * i / 4.0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%.4g</text>", xx, h - b + 14, xv));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>", (l + w - r) / 2, h - 4, esc(xLabel)));
        svg.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">%s</text>", h / 2, h / 2, esc(yLabel)));
        int k = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            String c = colors[k % colors.length];
            StringBuilder pts = new StringBuilder();
            for (double[] p : e.getValue()) {
                double xx = l + (w - l - r) * (p[0] - xmin) / (xmax - xmin);
                double yy = t + (h - t - b) * (1 - (p[1] - ymin) / (ymax - ymin));
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", xx, yy));
            }
            svg.append("<polyline fill=\"none\" stroke=\"").append(c).append("\" stroke-width=\"1.5\" points=\"").append(pts).append("\"/>");
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>", w - r + 6, t + 14 + 16 * k, c, esc(e.getKey())));
            k++;
        }
        svg.append("</svg>");
        body.append("<figure>").append(svg).append("<figcaption>").append(esc(caption)).append("</figcaption></figure>\n");
        return this;
    }

    /** Horizontal bars, one per label, with a whisker of ± spread (0: none), on a scale from 0. */
    public HtmlReport bars(String caption, String unit, List<String> labels, double[] values, double[] spread) {
        if (labels.isEmpty()) {
            return this;
        }
        int l = 330, r = 70, rowH = 18, t = 8, w = 900;
        int h = t + rowH * labels.size() + 24;
        double max = 0;
        for (int i = 0; i < values.length; i++) {
            max = Math.max(max, values[i] + spread[i]);
        }
        max = max <= 0 ? 1 : max * 1.05;
        double sx = (w - l - r) / max;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">", w, h));
        for (int i = 0; i < labels.size(); i++) {
            double y = t + rowH * i;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>", l - 6, y + 12, esc(labels.get(i))));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"#1f77b4\"/>", l, y + 2, values[i] * sx, rowH - 5));
            if (spread[i] > 0) {
                double a = l + (values[i] - spread[i]) * sx, b = l + (values[i] + spread[i]) * sx, ym = y + 2 + (rowH - 5) / 2.0;
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>", a, ym, b, ym));
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>", a, ym - 4, a, ym + 4));
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>", b, ym - 4, b, ym + 4));
            }
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%.2f</text>", l + (values[i] + spread[i]) * sx + 6, y + 12, values[i]));
        }
        double yAxis = t + rowH * labels.size() + 4;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#999\"/>", l, yAxis, w - r, yAxis));
        for (int i = 0; i <= 4; i++) {
            double xv = max * i / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%.3g</text>", l + xv * sx, yAxis + 13, xv));
        }
        svg.append("</svg>");
        body.append("<figure>").append(svg).append("<figcaption>").append(esc(caption + " (" + unit + ")")).append("</figcaption></figure>\n");
        return this;
    }

    public String html() {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title><style>"
                + "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
                + "th{background:#f3f3f3}td:first-child{text-align:left}img{image-rendering:pixelated;max-width:100%}"
                + "figure{margin:1em 0}figcaption{color:#555;font-size:90%}</style></head><body>\n"
                + body + "</body></html>\n";
    }

    public void write(Path file) {
        AtomicFiles.writeString(file, html());
    }

    /** Smooths a loss curve by averaging windows of n points (keeps charts readable). */
    public static List<double[]> smooth(List<double[]> pts, int n) {
        if (pts.size() <= n) {
            return pts;
        }
        java.util.ArrayList<double[]> out = new java.util.ArrayList<>();
        for (int i = 0; i + n <= pts.size(); i += n) {
            double x = 0, y = 0;
            for (int j = i; j < i + n; j++) {
                x += pts.get(j)[0];
                y += pts.get(j)[1];
            }
            out.add(new double[] {x / n, y / n});
        }
        return out;
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** One loss's curve, (iteration, value), from a run's metrics.json "history". */
    public static List<double[]> series(Path metrics, String key) {
        List<double[]> out = new java.util.ArrayList<>();
        try {
            for (com.fasterxml.jackson.databind.JsonNode rec : org.diffuda.util.Json.MAPPER.readTree(metrics.toFile()).path("history")) {
                com.fasterxml.jackson.databind.JsonNode v = rec.path("losses").get(key);
                if (v != null) {
                    out.add(new double[] {rec.path("iter").asDouble(), v.asDouble()});
                }
            }
        } catch (java.io.IOException e) {
            throw new org.diffuda.util.DiffudaException(metrics + ": unreadable: " + e.getMessage(), e);
        }
        return out;
    }

    /** "mean ± std" of a row of {@code Datum.summary} ({@code k_mean}, {@code k_std}), or "-". */
    public static String meanStd(Map<String, Object> row, String k) {
        if (row == null || !row.containsKey(k + "_mean")) {
            return "-";
        }
        return String.format(java.util.Locale.ROOT, "%.2f ± %.2f", ((Number) row.get(k + "_mean")).doubleValue(),
                ((Number) row.get(k + "_std")).doubleValue());
    }

    /** The per-seed values of a summary row ({@code k_values}) as "a / b / c", or "-". */
    public static String perSeed(Map<String, Object> row, String k) {
        if (row == null || !(row.get(k + "_values") instanceof double[] a)) {
            return "-";
        }
        List<String> out = new java.util.ArrayList<>();
        for (double x : a) {
            out.add(String.format(java.util.Locale.ROOT, "%.2f", x));
        }
        return String.join(" / ", out);
    }

    /** A number with two decimals, or "-" for none. */
    public static String num(Double v) {
        return v == null || v.isNaN() ? "-" : String.format(java.util.Locale.ROOT, "%.2f", v);
    }
}
