package org.diffuda.methods.datum;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.diffuda.report.HtmlReport;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.util.Json;

/** {@code OUT/report.html} of a DATUM run: mIoU per target image and mean ± std, the judges, the grids, training curves. */
final class DatumReport {
    private DatumReport() {}

    static void write(Datum.Spec s, List<Datum.PerImage> results, Map<String, Object> datum, Map<String, Object> oneShot) {
        HtmlReport h = new HtmlReport("diffuda adapt datum");
        h.paragraph("source " + String.join(", ", s.source()) + "; evaluated on " + s.val() + "; seed " + s.seed()
                + "; DreamBooth " + s.dreambooth().steps() + " steps at lr " + s.dreambooth().lr() + "; " + s.generation().count()
                + " generated images (" + s.generation().classes() + " prompts); DAFormer " + s.uda().train().iterations()
                + " iterations. The student of the last iteration is reported.");
        List<List<String>> rows = new ArrayList<>();
        for (Datum.PerImage r : results) {
            rows.add(List.of(r.image(), f(r.datum()), r.oneShot() == null ? "-" : f(r.oneShot()), judged(r.judge()),
                    String.format(Locale.ROOT, "%.0f s", r.seconds())));
        }
        rows.add(List.of("mean ± std", pm(datum), oneShot == null ? "-" : pm(oneShot), "", ""));
        h.table(List.of("target image", "DATUM mIoU19 / 16 / 13", "one-shot DAFormer mIoU19 / 16 / 13", "generated set judged real",
                "time in this process (a resumed run counts only what it redid)"), rows);
        for (Datum.PerImage r : results) {
            Path dir = s.out().resolve("target-" + Datum.stem(Path.of(r.image())));
            if (Files.isRegularFile(dir.resolve("judge/grid.png"))) {
                h.image(s.out().relativize(dir.resolve("judge/grid.png")).toString(),
                        "first row: the one-shot image " + r.image() + "; then samples of the base prior and of the personalised model, one column per class prompt");
            }
            Map<String, List<double[]>> conf = new LinkedHashMap<>();
            Map<String, List<double[]>> loss = new LinkedHashMap<>();
            for (String run : List.of("daformer", "one-shot")) {
                Path m = dir.resolve(run).resolve("metrics.json");
                if (Files.isRegularFile(m)) {
                    String name = run.equals("daformer") ? "DATUM" : "one-shot";
                    conf.put(name, HtmlReport.smooth(HtmlReport.series(m, "confident"), 50));
                    loss.put(name + " mixed", HtmlReport.smooth(HtmlReport.series(m, "loss_mixed"), 50));
                    loss.put(name + " source", HtmlReport.smooth(HtmlReport.series(m, "loss_source"), 50));
                }
            }
            h.chart(r.image() + ": share of confident pseudo-label pixels (the pseudo-label weight)", "iteration", "weight", conf);
            h.chart(r.image() + ": losses (mean of 50 iterations)", "iteration", "cross-entropy", loss);
        }
        h.write(s.out().resolve("report.html"));
    }

    private static String judged(Map<String, Object> judge) {
        return judge == null || !(judge.get("generated_set_share_judged_real") instanceof Number n) ? "-"
                : String.format(Locale.ROOT, "%.1f%%", 100 * n.doubleValue());
    }

    private static String f(EvalResult e) {
        return e == null ? "-" : String.format(Locale.ROOT, "%.2f / %.2f / %.2f", e.miou19(), e.miou16(), e.miou13());
    }

    private static String pm(Map<String, Object> m) {
        if (m == null || !m.containsKey("miou19_mean")) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (String k : List.of("miou19", "miou16", "miou13")) {
            sb.append(sb.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f ± %.2f",
                    ((Number) m.get(k + "_mean")).doubleValue(), ((Number) m.get(k + "_std")).doubleValue()));
        }
        return sb.toString();
    }

}
