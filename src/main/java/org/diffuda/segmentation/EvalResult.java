package org.diffuda.segmentation;

import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.data.Classes;

/** Per-class IoU and mIoU over 19 / 16 / 13 classes, in percent; NaN shown as null in JSON. */
public record EvalResult(String dataset, int images, Map<String, Double> iou, Double miou19, Double miou16,
                         Double miou13, Double pixelAccuracy, long[][] confusion) {

    public static EvalResult of(String dataset, int images, ConfusionMatrix cm) {
        double[] iou = cm.iou();
        Map<String, Double> per = new LinkedHashMap<>();
        for (int c = 0; c < Classes.NUM; c++) {
            per.put(Classes.NAMES[c], pct(iou[c]));
        }
        return new EvalResult(dataset, images, per, pct(cm.miou(Classes.ALL_19)), pct(cm.miou(Classes.SUBSET_16)),
                pct(cm.miou(Classes.SUBSET_13)), pct(cm.pixelAccuracy()), cm.counts());
    }

    private static Double pct(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 10000) / 100.0;
    }

    /** A fixed-width table: one row per class, then the means. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-16s %7s%n", "class", "IoU"));
        iou.forEach((k, v) -> sb.append(String.format("%-16s %7s%n", k, v == null ? "n/a" : String.format("%.2f", v))));
        sb.append(String.format("%-16s %7s%n", "mIoU19", fmt(miou19)));
        sb.append(String.format("%-16s %7s%n", "mIoU16", fmt(miou16)));
        sb.append(String.format("%-16s %7s%n", "mIoU13", fmt(miou13)));
        sb.append(String.format("%-16s %7s%n", "pixel acc", fmt(pixelAccuracy)));
        return sb.toString();
    }

    static String fmt(Double v) {
        return v == null ? "n/a" : String.format("%.2f", v);
    }
}
