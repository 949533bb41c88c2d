package org.diffuda.methods.zodi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.diffuda.report.HtmlReport;
import org.diffuda.segmentation.EvalResult;

/** {@code OUT/report.html} of a ZoDi run: the table (mean ± std over seeds), the judge, the grid, the training curves. */
final class ZodiReport {
    private ZodiReport() {}

    static final Map<String, String> ROW_NAMES = Map.of("source-only", "source-only", "zodi", "ZoDi", "sdedit", "SDEdit",
            "inst", "InST", "no-si", "w/o SI (ControlNet only)", "no-sim", "w/o L_sim", "vae", "VAE round trip (no transfer)");

    @SuppressWarnings("unchecked")
    static void write(Zodi.Spec s, Map<String, Object> m) {
        HtmlReport h = new HtmlReport("diffuda adapt zodi");
        h.paragraph("source " + s.source() + " → \"" + s.transfer().fullPrompt() + "\" (strength " + s.transfer().strength() + ", "
                + s.transfer().steps() + " DDIM steps, eta " + s.transfer().eta() + ", guidance " + s.transfer().guidance()
                + "); evaluated on " + s.val() + "; seeds " + s.seeds() + "; λ_sim " + s.lambdaSim() + "; " + s.train().iterations()
                + " iterations of " + s.train().batchSize() + " pairs. The last checkpoint is reported: no target label selects anything.");
        List<List<String>> rows = new ArrayList<>();
        Map<String, Object> table = (Map<String, Object>) m.get("rows");
        for (Map.Entry<String, Object> e : table.entrySet()) {
            Map<String, Object> r = (Map<String, Object>) e.getValue();
            rows.add(List.of(ROW_NAMES.getOrDefault(e.getKey(), e.getKey()), HtmlReport.meanStd(r, "miou19"), HtmlReport.meanStd(r, "miou16"), HtmlReport.meanStd(r, "miou13"), HtmlReport.perSeed(r, "miou19")));
        }
        if (m.get("oracle") instanceof EvalResult o) {
            rows.add(List.of("oracle (target labels; the judge)", HtmlReport.num(o.miou19()), HtmlReport.num(o.miou16()), HtmlReport.num(o.miou13()), "seed " + s.seeds().get(0)));
        }
        h.table(List.of("", "mIoU19", "mIoU16", "mIoU13", "mIoU19 per seed"), rows);
        if (m.get("layout") instanceof Map<?, ?> lay) {
            List<List<String>> jr = new ArrayList<>();
            if (lay.get("judge_miou19_against_source_labels") instanceof Map<?, ?> kept) {
                kept.forEach((k, v) -> jr.add(List.of("transfer: " + k, HtmlReport.num((Double) v))));
            }
            if (lay.get("judge_miou19_of_samples_from_noise_against_their_labels") instanceof Map<?, ?> noise) {
                noise.forEach((k, v) -> jr.add(List.of("from pure noise: " + k, HtmlReport.num((Double) v))));
            }
            h.paragraph("Layout: the judge's mIoU19 against the source labels (higher: the layout is kept).");
            h.table(List.of("images", "judge mIoU19"), jr);
        }
        if (Files.isRegularFile(s.out().resolve("grid.png"))) {
            h.image("grid.png", "source, each transfer, label");
        }
        Map<String, List<double[]>> loss = new LinkedHashMap<>();
        Map<String, List<double[]>> sim = new LinkedHashMap<>();
        for (String arm : table.keySet()) {
            Path f = s.out().resolve(arm + "-s" + s.seeds().get(0)).resolve("metrics.json");
            if (Files.isRegularFile(f)) {
                String k = arm.equals("source-only") ? "loss" : "loss_generated";
                loss.put(ROW_NAMES.getOrDefault(arm, arm), HtmlReport.smooth(HtmlReport.series(f, k), 50));
                if (!arm.equals("source-only")) {
                    sim.put(ROW_NAMES.getOrDefault(arm, arm), HtmlReport.smooth(HtmlReport.series(f, "loss_sim"), 50));
                }
            }
        }
        h.chart("cross-entropy on the transferred images (source-only: on the source), seed " + s.seeds().get(0), "iteration", "CE", loss);
        h.chart("1 − cos of pooled last-stage features of the pairs", "iteration", "1 − cos", sim);
        h.write(s.out().resolve("report.html"));
    }
}
