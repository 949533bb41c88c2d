package org.diffuda.segmentation;

import java.util.List;
import org.diffuda.data.Classes;

/**
 * Pixel confusion counts (rows: ground truth, columns: prediction) over the 19 train ids;
 * ground-truth 255 pixels are not counted. IoU_c = TP / (TP + FP + FN). A class with no ground
 * truth and no prediction anywhere has IoU NaN and is left out of the mean (mmsegmentation's
 * nanmean); a class predicted but absent from the ground truth has IoU 0 and counts.
 */
public final class ConfusionMatrix {
    private final long[][] m = new long[Classes.NUM][Classes.NUM];

    public void add(int[] pred, int[] label) {
        for (int i = 0; i < label.length; i++) {
            int g = label[i];
            if (g == Classes.IGNORE) {
                continue;
            }
            int p = pred[i];
            if (g < 0 || g >= Classes.NUM || p < 0 || p >= Classes.NUM) {
                throw new IllegalArgumentException("class id out of range: gt " + g + ", pred " + p);
            }
            m[g][p]++;
        }
    }

    public void add(ConfusionMatrix o) {
        for (int i = 0; i < Classes.NUM; i++) {
            for (int j = 0; j < Classes.NUM; j++) {
                m[i][j] += o.m[i][j];
            }
        }
    }

    public long[][] counts() {
        return m;
    }

    public double[] iou() {
        double[] out = new double[Classes.NUM];
        for (int c = 0; c < Classes.NUM; c++) {
            long tp = m[c][c], fp = 0, fn = 0;
            for (int k = 0; k < Classes.NUM; k++) {
                if (k != c) {
                    fn += m[c][k];
                    fp += m[k][c];
                }
            }
            long union = tp + fp + fn;
            out[c] = union == 0 ? Double.NaN : (double) tp / union;
        }
        return out;
    }

    /** Mean IoU over a class subset, ignoring NaN classes; NaN if all are NaN. */
    public double miou(List<Integer> classes) {
        double[] iou = iou();
        double sum = 0;
        int n = 0;
        for (int c : classes) {
            if (!Double.isNaN(iou[c])) {
                sum += iou[c];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    public double pixelAccuracy() {
        long tp = 0, all = 0;
        for (int i = 0; i < Classes.NUM; i++) {
            for (int j = 0; j < Classes.NUM; j++) {
                all += m[i][j];
                if (i == j) {
                    tp += m[i][j];
                }
            }
        }
        return all == 0 ? Double.NaN : (double) tp / all;
    }
}
