package org.diffuda.report;

import org.diffuda.data.ImageGrid;
import org.diffuda.training.Trainer;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.Classes;
import org.diffuda.data.Png;
import org.diffuda.data.Sample;
import org.diffuda.segmentation.EvalResult;
import org.diffuda.segmentation.Evaluator;
import org.diffuda.segmentation.SegRun;
import org.diffuda.segmentation.SegTrainer;

/** Tables, prediction grids and loss curves for segmentation runs compared on one dataset. */
public final class SegReport {
    private SegReport() {}

    /** Per-class IoU of several runs side by side, then the means. */
    public static String table(List<SegRun.Outcome> runs) {
        StringBuilder sb = new StringBuilder(String.format("%-16s", "class"));
        runs.forEach(r -> sb.append(String.format(" %12s", r.name())));
        sb.append('\n');
        for (String name : Classes.NAMES) {
            sb.append(String.format("%-16s", name));
            runs.forEach(r -> sb.append(String.format(" %12s", fmt(r.eval().iou().get(name)))));
            sb.append('\n');
        }
        for (String m : List.of("mIoU19", "mIoU16", "mIoU13")) {
            sb.append(String.format("%-16s", m));
            runs.forEach(r -> sb.append(String.format(" %12s", fmt(mean(r.eval(), m)))));
            sb.append('\n');
        }
        return sb.toString();
    }

    static Double mean(EvalResult e, String m) {
        return switch (m) {
            case "mIoU19" -> e.miou19();
            case "mIoU16" -> e.miou16();
            default -> e.miou13();
        };
    }

    static String fmt(Double v) {
        return v == null ? "n/a" : String.format("%.2f", v);
    }

    /** Rows of validation images: input, ground truth, then each run's prediction. */
    public static BufferedImage predictionGrid(List<SegRun.Outcome> runs) {
        List<BufferedImage> cells = new ArrayList<>();
        int rows = runs.get(0).samples().size();
        for (int i = 0; i < rows; i++) {
            Sample s = runs.get(0).samples().get(i).sample();
            cells.add(Png.fromChw(s.image(), s.height(), s.width()));
            cells.add(Png.colorize(s.label(), s.height(), s.width()));
            for (SegRun.Outcome r : runs) {
                Evaluator.Prediction p = r.samples().get(i);
                cells.add(Png.colorize(p.pred(), s.height(), s.width()));
            }
        }
        List<String> titles = new ArrayList<>(List.of("input", "ground truth"));
        runs.forEach(r -> titles.add(r.name()));
        return ImageGrid.grid(cells, titles.size(), titles, 2);
    }

    /** Writes grid PNG + HTML (tables, grid, loss curves) into dir/report.html. */
    public static Path write(Path dir, String title, List<String> notes, List<SegRun.Outcome> runs) {
        BufferedImage grid = predictionGrid(runs);
        Png.write(grid, dir.resolve("predictions.png"));
        HtmlReport r = new HtmlReport(title);
        notes.forEach(r::paragraph);
        List<String> header = new ArrayList<>(List.of("class"));
        runs.forEach(o -> header.add(o.name()));
        List<List<String>> rows = new ArrayList<>();
        for (String name : Classes.NAMES) {
            List<String> row = new ArrayList<>(List.of(name));
            runs.forEach(o -> row.add(fmt(o.eval().iou().get(name))));
            rows.add(row);
        }
        for (String m : List.of("mIoU19", "mIoU16", "mIoU13")) {
            List<String> row = new ArrayList<>(List.of(m));
            runs.forEach(o -> row.add(fmt(mean(o.eval(), m))));
            rows.add(row);
        }
        r.heading(2, "IoU per class (%) on " + runs.get(0).eval().dataset());
        r.table(header, rows);
        r.heading(2, "Predictions");
        r.image("predictions.png", "input / ground truth / predictions of each run (Cityscapes colours)");
        r.heading(2, "Training loss");
        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        for (SegRun.Outcome o : runs) {
            List<double[]> pts = new ArrayList<>();
            for (Trainer.Record s : o.training().history()) {
                pts.add(new double[] {s.iter(), s.loss()});
            }
            curves.put(o.name(), HtmlReport.smooth(pts, 20));
        }
        r.chart("cross-entropy, mean of 20 iterations", "iteration", "loss", curves);
        Path file = dir.resolve("report.html");
        r.write(file);
        return file;
    }
}
