package org.diffuda.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.diffuda.data.Classes;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void handComputedIoU() {
        // gt:   0 0 0 1 1 13 255
        // pred: 0 0 1 1 13 13 0
        int[] gt = {0, 0, 0, 1, 1, 13, 255};
        int[] pred = {0, 0, 1, 1, 13, 13, 0};
        ConfusionMatrix cm = new ConfusionMatrix();
        cm.add(pred, gt);
        double[] iou = cm.iou();
        assertEquals(2.0 / 3, iou[0], 1e-12, "road: TP 2, FN 1, FP 0 (the 255 pixel is not counted)");
        assertEquals(1.0 / 3, iou[1], 1e-12, "sidewalk: TP 1, FN 1, FP 1");
        assertEquals(1.0 / 2, iou[13], 1e-12, "car: TP 1, FP 1");
        assertTrue(Double.isNaN(iou[2]), "absent from gt and prediction: NaN");
        assertEquals((2.0 / 3 + 1.0 / 3 + 0.5) / 3, cm.miou(Classes.ALL_19), 1e-12);
        assertEquals(4.0 / 6, cm.pixelAccuracy(), 1e-12);
    }

    @Test
    void predictedButAbsentCountsAsZero() {
        ConfusionMatrix cm = new ConfusionMatrix();
        cm.add(new int[] {0, 5}, new int[] {0, 0});
        assertEquals(0.0, cm.iou()[5]);
        assertEquals((0.5 + 0.0) / 2, cm.miou(Classes.ALL_19), 1e-12);
    }

    @Test
    void subsetsDropClasses() {
        ConfusionMatrix cm = new ConfusionMatrix();
        // terrain (9) perfectly right, road (0) all wrong: mIoU16 excludes terrain
        cm.add(new int[] {9, 9, 1}, new int[] {9, 9, 0});
        assertEquals(0.5 * (1.0 + 0.0 + 0.0) / 1.5, cm.miou(List.of(9, 0, 1)) * 1.0, 1e-12);
        assertEquals(0.0, cm.miou(Classes.SUBSET_16), 1e-12);
        EvalResult r = EvalResult.of("t", 1, cm);
        assertEquals(100.0, r.iou().get("terrain"));
        assertNull(r.iou().get("bus"));
    }
}
