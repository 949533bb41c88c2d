package org.diffuda.methods.unetswap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.report.HtmlReport;
import org.diffuda.segmentation.EvalResult;

/** {@code OUT/report.html} of a U-Net swap run: the downstream table, the judge's diagnostics, the grid, the curves. */
final class UnetSwapReport {
    private UnetSwapReport() {}

    @SuppressWarnings("unchecked")
    static void write(UnetSwap.Spec s, Map<String, Object> m) {
        HtmlReport h = new HtmlReport("diffuda adapt unet-swap");
        SwapConfig g = s.generation();
        h.paragraph("source " + s.source() + ", unlabelled target " + s.target() + ", evaluated on " + s.val() + "; " + g.count()
                + " generated pairs (RCS " + g.rcs() + ", SCR " + g.scr() + ", " + g.steps() + " DDIM steps, guidance " + g.guidance()
                + "); seeds " + s.plan().seeds() + "; " + s.train().iterations() + " iterations of " + s.train().batchSize() + " crops of "
                + s.train().cropHeight() + "×" + s.train().cropWidth() + ". The last checkpoint is reported: no target label selects anything.");
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) m.get("rows")).entrySet()) {
            Map<String, Object> r = (Map<String, Object>) e.getValue();
            rows.add(List.of(UnetSwap.ARMS.getOrDefault(e.getKey(), e.getKey()), HtmlReport.meanStd(r, "miou19"), HtmlReport.meanStd(r, "miou16"),
                    HtmlReport.meanStd(r, "miou13"), HtmlReport.perSeed(r, "miou19")));
        }
        if (m.get("oracle") instanceof EvalResult o) {
            rows.add(List.of("oracle (target labels; the judge)", HtmlReport.num(o.miou19()), HtmlReport.num(o.miou16()),
                    HtmlReport.num(o.miou13()), "seed " + s.plan().seeds().get(0)));
        }
        h.table(List.of("trained on", "mIoU19", "mIoU16", "mIoU13", "mIoU19 per seed"), rows);
        if (m.get("judge") instanceof Map<?, ?> j) {
            List<List<String>> jr = new ArrayList<>();
            Map<?, ?> al = (Map<?, ?>) j.get("alignment_judge_miou19_against_conditioning_labels");
            Map<?, ?> real = (Map<?, ?>) j.get("share_judged_real_by_sim_vs_real_classifier");
            for (Object k : al.keySet()) {
                Object share = real.get(k);
                jr.add(List.of(String.valueOf(k), HtmlReport.num((Double) al.get(k)), share == null ? "-" : HtmlReport.num(100 * (Double) share)));
            }
            for (Object k : real.keySet()) {
                if (!al.containsKey(k)) {
                    jr.add(List.of(String.valueOf(k), "-", HtmlReport.num(100 * (Double) real.get(k))));
                }
            }
            h.paragraph("Alignment (the thesis' Table 4.1): the judge's mIoU19 on each generated crop against its conditioning label; "
                    + "and the share (%) a sim-vs-real classifier calls real.");
            h.table(List.of("images", "judge mIoU19", "% judged real"), jr);
            if (j.get("small_components") instanceof Map<?, ?> scr) {
                List<List<String>> sr = new ArrayList<>();
                scr.forEach((k, v) -> sr.add(List.of(String.valueOf(k), v instanceof Double d ? HtmlReport.num(d) : String.valueOf(v))));
                h.paragraph("Small Components Refinement: the judge on the pixels of small components only, before and after.");
                h.table(List.of("", "value"), sr);
            }
        }
        if (Files.isRegularFile(s.out().resolve("grid.png"))) {
            h.image("grid.png", "label, ControlNet + U_src, + U_tgt, + base U-Net, U_tgt after SCR");
        }
        Map<String, List<double[]>> loss = new LinkedHashMap<>();
        for (String arm : ((Map<String, Object>) m.get("rows")).keySet()) {
            Path f = s.out().resolve(arm + "-s" + s.plan().seeds().get(0)).resolve("metrics.json");
            if (Files.isRegularFile(f)) {
                loss.put(UnetSwap.ARMS.getOrDefault(arm, arm), HtmlReport.smooth(HtmlReport.series(f, arm.equals("daformer") ? "loss_source" : "loss"), 50));
            }
        }
        h.chart("training cross-entropy (DAFormer: on the generated source), seed " + s.plan().seeds().get(0), "iteration", "CE", loss);
        h.write(s.out().resolve("report.html"));
    }
}
