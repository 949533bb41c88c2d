package org.diffuda.methods.sggptl;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.Dataset;
import org.diffuda.data.Png;
import org.diffuda.data.Sample;
import org.diffuda.report.HtmlReport;
import org.diffuda.data.ImageGrid;
import org.diffuda.util.Json;

/** What a run leaves for a person: metrics.json, domains.png (source → X^s → … → X^N) and report.html. */
final class SggPtlReport {
    static final int GRID_ROWS = 4;

    private SggPtlReport() {}

    static void write(SggPtl.Spec s, Dataset source, int[] subset, SggPtl.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "sgg-ptl");
        m.put("source", s.source());
        m.put("target", s.target());
        m.put("val", s.val());
        m.put("seed", s.seed());
        m.put("config", s.cfg());
        m.put("g0_train", s.g0Train());
        m.putAll(SggPtl.summary(r));
        List<Map<String, Object>> results = new ArrayList<>();
        if (r.g0() != null) {
            results.add(org.diffuda.report.Results.row("sgg-ptl", "g0: source + noisy/masked augmentation", org.diffuda.report.Results.NO_TARGET,
                    s.val(), List.of(s.seed()), List.of(r.g0()), null, s.g0Train().iterations()));
        }
        if (r.result() != null) {
            results.add(org.diffuda.report.Results.row("sgg-ptl", "SGG + PTL", org.diffuda.report.Results.ALL_TARGET_IMAGES, s.val(),
                    List.of(s.seed()), List.of(r.result()), r.seconds(), s.g0Train().iterations()));
        }
        m.put("results", results);
        Json.writeFile(s.out().resolve("metrics.json"), m);

        List<String> titles = new ArrayList<>(List.of("source"));
        r.stages().forEach(st -> titles.add("X^" + st.n()));
        titles.add("label");
        List<BufferedImage> cells = new ArrayList<>();
        for (int k = 0; k < Math.min(GRID_ROWS, subset.length); k++) {
            Sample smp = source.load(subset[k]);
            String name = TranslatedDataset.fileName(smp.id());
            cells.add(Png.fromChw(smp.image(), smp.height(), smp.width()));
            for (SggPtl.Stage st : r.stages()) {
                Path img = SggPtl.stageDir(s.out(), st.n()).resolve("translated/images").resolve(name);
                cells.add(Files.isRegularFile(img) ? Png.read(img) : new BufferedImage(smp.width(), smp.height(), BufferedImage.TYPE_INT_RGB));
            }
            cells.add(Png.colorize(smp.label(), smp.height(), smp.width()));
        }
        Png.write(ImageGrid.grid(cells, titles.size(), titles, 2), s.out().resolve("domains.png"));

        HtmlReport h = new HtmlReport("diffuda adapt sgg-ptl");
        h.paragraph(String.format("Source %s, target %s, validation %s, seed %d; wall time %.0f s.", s.source(), s.target(),
                s.val(), s.seed(), r.seconds()));
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("g0 (source + noisy/masked)", "-", "-", "-", miou(r.g0())));
        List<double[]> curve = new ArrayList<>();
        if (r.g0() != null) {
            curve.add(new double[] {0, r.g0().miou19()});
        }
        for (SggPtl.Stage st : r.stages()) {
            rows.add(List.of("stage", String.valueOf(st.n()), String.format("%.0f", st.translateSeconds()),
                    String.format("%.0f", st.finetuneSeconds()), miou(st.eval())));
            if (st.eval() != null) {
                curve.add(new double[] {st.n(), st.eval().miou19()});
            }
        }
        h.table(List.of("", "n", "translate s", "fine-tune s", "mIoU19"), rows);
        if (curve.size() > 1) {
            h.chart("mIoU19 on the validation set after each stage", "n (translation steps)", "mIoU19", Map.of("PTL", curve));
        }
        h.image("domains.png", "Intermediate domains: source, X^n per stage, label");
        h.write(s.out().resolve("report.html"));
    }

    static String miou(org.diffuda.segmentation.EvalResult e) {
        return e == null || e.miou19() == null ? "-" : String.format("%.2f", e.miou19());
    }
}
