package org.diffuda.methods.cicld;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.report.HtmlReport;

/** {@code OUT/report.html} of a CICLD table: the rows, the adversarial game's health, the curves of the first seed. */
final class CicldReport {
    private CicldReport() {}

    @SuppressWarnings("unchecked")
    static void write(CicldAdaptation.Spec s, Map<String, Object> m) {
        HtmlReport h = new HtmlReport("diffuda adapt cicld");
        h.paragraph("source " + s.source() + ", unlabelled target " + s.target() + ", evaluated on " + s.val() + "; seeds " + s.seeds() + "; "
                + s.uda().train().iterations() + " iterations of " + s.uda().train().batchSize() + " source + " + s.uda().train().batchSize()
                + " target crops of " + s.uda().train().cropHeight() + "×" + s.uda().train().cropWidth()
                + ". The last iteration's EMA student is evaluated; no target label selects anything.");
        List<List<String>> rows = new ArrayList<>();
        Map<String, Object> all = (Map<String, Object>) m.get("rows");
        for (Map.Entry<String, Object> e : all.entrySet()) {
            Map<String, Object> r = (Map<String, Object>) e.getValue();
            Map<String, Object> none = (Map<String, Object>) r.get("test_condition_none");
            Map<String, Object> trained = (Map<String, Object>) r.get("diagnostic_trained_model_unconditioned");
            rows.add(List.of(CicldAdaptation.ARMS.getOrDefault(e.getKey(), e.getKey()), HtmlReport.meanStd(r, "miou19"),
                    HtmlReport.meanStd(r, "miou16"), HtmlReport.meanStd(r, "miou13"), HtmlReport.perSeed(r, "miou19"),
                    none == null ? "-" : HtmlReport.meanStd(none, "miou19"), trained == null ? "-" : HtmlReport.meanStd(trained, "miou19")));
        }
        h.table(List.of("row", "mIoU19", "mIoU16", "mIoU13", "mIoU19 per seed", "mIoU19, test condition none",
                "mIoU19 of the trained model (not the EMA; diagnostic)"), rows);
        List<List<String>> game = new ArrayList<>();
        for (Map.Entry<String, Object> e : all.entrySet()) {
            Object adv = ((Map<String, Object>) e.getValue()).get("adversarial");
            if (adv instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    if (l.get(i) instanceof Map<?, ?> a) {
                        game.add(List.of(CicldAdaptation.ARMS.get(e.getKey()), "seed " + s.seedsOf(e.getKey()).get(i), String.valueOf(a.get("game")),
                                HtmlReport.num(a.get("disc_acc_last_tenth") instanceof Number n ? n.doubleValue() : null),
                                HtmlReport.num(a.get("kl_uniform_last_tenth") instanceof Number n ? n.doubleValue() : null),
                                String.valueOf(a.get("verdict"))));
                    }
                }
            }
        }
        if (!game.isEmpty()) {
            h.paragraph("The adversarial game: the discriminator's accuracy on the U-Net encoder features of every denoising step and "
                    + "the KL of its output to the uniform distribution (0: it cannot tell the domains apart), over the last tenth of training. "
                    + "A discriminator at ≥ " + Math.round(100 * s.cicld().winAccuracy()) + "% accuracy has won outright, and the run says so.");
            h.table(List.of("row", "seed", "game", "disc accuracy", "KL to uniform", "verdict"), game);
        }
        List<List<String>> paths = new ArrayList<>();
        for (Map.Entry<String, Object> e : all.entrySet()) {
            if (((Map<String, Object>) e.getValue()).get("paths") instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    if (l.get(i) instanceof Map<?, ?> p) {
                        paths.add(List.of(CicldAdaptation.ARMS.get(e.getKey()), "seed " + s.seedsOf(e.getKey()).get(i),
                                pct(p.get("gate_increment_over_mid_features")), pct(p.get("zbar_change_by_condition")),
                                pct(p.get("pixels_changed_by_condition")), pct(p.get("zbar_moved_from_z0")),
                                pct(p.get("pixels_changed_if_decoder_reads_z0"))));
                    }
                }
            }
        }
        if (!paths.isEmpty()) {
            h.paragraph("Where the prediction comes from (first 16 validation images, test-time rule): how far the gate moves the U-Net's "
                    + "middle features and, through the chain, z̄₀ and the predicted classes; how far the chain moves z₀; and how many "
                    + "pixels change when the decoder reads the undiffused z₀ instead of z̄₀.");
            h.table(List.of("row", "seed", "|gate increment| / |mid features|", "z̄₀ change by condition", "pixels changed by condition",
                    "|z̄₀ − z₀| / |z₀|", "pixels changed if D reads z₀"), paths);
        }
        long seed0 = s.seeds().get(0);
        Map<String, List<double[]>> acc = new LinkedHashMap<>(), kl = new LinkedHashMap<>(), ce = new LinkedHashMap<>();
        for (String arm : all.keySet()) {
            Path f = s.out().resolve(arm + "-s" + seed0).resolve("metrics.json");
            if (!Files.isRegularFile(f)) {
                continue;
            }
            String name = CicldAdaptation.ARMS.getOrDefault(arm, arm);
            ce.put(name, HtmlReport.smooth(HtmlReport.series(f, arm.equals("source-only") ? "loss" : "loss_source"), 50));
            if (CicldAdaptation.isCicld(arm)) {
                List<double[]> a = HtmlReport.series(f, "disc_acc");
                if (!a.isEmpty()) {
                    acc.put(name, HtmlReport.smooth(a, 50));
                    kl.put(name, HtmlReport.smooth(HtmlReport.series(f, "kl_uniform"), 50));
                }
            }
        }
        if (!acc.isEmpty()) {
            h.chart("discriminator accuracy, seed " + seed0, "iteration", "accuracy", acc);
            h.chart("KL(discriminator output ‖ uniform), seed " + seed0, "iteration", "KL", kl);
        }
        h.chart("source cross-entropy, seed " + seed0, "iteration", "CE", ce);
        h.write(s.out().resolve("report.html"));
    }

    private static String pct(Object v) {
        return v instanceof Number n ? String.format(java.util.Locale.ROOT, "%.3f%%", 100 * n.doubleValue()) : "-";
    }
}
