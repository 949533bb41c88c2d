package org.diffuda.uda;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.diffuda.data.Classes;
import org.diffuda.nn.Tensors;

/**
 * ClassMix (DACS, used by DAFormer): for each pair (source i, target i), ceil(n/2) of the n
 * classes present in the source label — drawn without replacement, 255 never among them — are
 * pasted, image and label, onto the target. The mixed label is the source label where pasted and
 * the pseudo-label elsewhere; the pixel weight is 1 where pasted and the pseudo weight elsewhere.
 * (DAFormer draws from the unique labels of the whole batch, 255 included; diffuda draws per
 * image and never pastes ignore pixels.)
 */
public final class ClassMix {
    private ClassMix() {}

    /** The classes to paste from one source label (train ids 0..18 present), in draw order. */
    public static int[] chooseClasses(int[] label, Random rnd) {
        boolean[] seen = new boolean[Classes.NUM];
        for (int v : label) {
            if (v >= 0 && v < Classes.NUM) {
                seen[v] = true;
            }
        }
        List<Integer> present = new ArrayList<>();
        for (int c = 0; c < Classes.NUM; c++) {
            if (seen[c]) {
                present.add(c);
            }
        }
        int k = (present.size() + 1) / 2;
        java.util.Collections.shuffle(present, rnd);
        return present.subList(0, k).stream().mapToInt(Integer::intValue).toArray();
    }

    /** The paste mask (N, H, W) of 0/1 for a batch of source labels (row-major, N·H·W). */
    public static float[] masks(List<int[]> labels, Random rnd) {
        int per = labels.get(0).length;
        float[] m = new float[labels.size() * per];
        for (int i = 0; i < labels.size(); i++) {
            boolean[] pick = new boolean[Classes.NUM];
            for (int c : chooseClasses(labels.get(i), rnd)) {
                pick[c] = true;
            }
            int[] l = labels.get(i);
            for (int p = 0; p < per; p++) {
                if (l[p] >= 0 && l[p] < Classes.NUM && pick[l[p]]) {
                    m[i * per + p] = 1f;
                }
            }
        }
        return m;
    }

    /** Mixed images (N, 3, H, W), labels (N, H, W) int64 and pixel weights (N, H, W). */
    public record Mixed(NDArray images, NDArray labels, NDArray weights) {}

    public static Mixed mix(NDArray srcImages, NDArray srcLabels, NDArray tgtImages, PseudoLabels pseudo, float[] mask) {
        NDManager m = srcImages.getManager();
        long[] s = srcLabels.getShape().getShape();
        NDArray mk = Tensors.create(m, mask, new Shape(s[0], s[1], s[2]));
        NDArray pasted = mk.gt(Tensors.scalar(mk, 0.5));
        NDArray m4 = mk.expandDims(1);
        NDArray images = srcImages.mul(m4).add(tgtImages.mul(m4.neg().add(Tensors.scalar(m4, 1))));
        NDArray labels = NDArrays.where(pasted, srcLabels, pseudo.labels());
        NDArray weights = NDArrays.where(pasted, m.ones(pseudo.weight().getShape(), DataType.FLOAT32), pseudo.weight());
        return new Mixed(images, labels, weights);
    }

    /** Without mixing: the target image alone with its pseudo-labels (the "w/o ClassMix" row). */
    public static Mixed none(NDArray tgtImages, PseudoLabels pseudo) {
        return new Mixed(tgtImages, pseudo.labels(), pseudo.weight());
    }
}
