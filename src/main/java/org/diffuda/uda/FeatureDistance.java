package org.diffuda.uda;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffuda.data.Classes;
import org.diffuda.nn.Tensors;

/**
 * DAFormer's ImageNet feature distance: the L2 distance, per cell of the last encoder stage,
 * between the student's features and those of a frozen copy of the initial encoder, averaged
 * over the cells whose pooled source label is dominated (≥ 75%) by a thing class. With no such
 * cell it is 0, not NaN. It only makes sense when the initial encoder is a pretrained one.
 */
public final class FeatureDistance {
    static final double DOMINANT = 0.75;

    private FeatureDistance() {}

    /**
     * @param student (N, C, h, w) features with gradient
     * @param frozen  (N, C, h, w) features of the initial encoder (no gradient)
     * @param labels  (N, H, W) int64 source labels, H and W multiples of h and w
     */
    public static NDArray of(NDArray student, NDArray frozen, NDArray labels) {
        long[] f = student.getShape().getShape(), l = labels.getShape().getShape();
        long sy = l[1] / f[2], sx = l[2] / f[3];
        // one-hot with the ignore label as an extra class 19, pooled to the feature grid
        NDArray ids = labels.eq(Tensors.scalar(labels, Classes.IGNORE)).toType(DataType.INT64, false)
                .mul(Tensors.scalar(labels, Classes.NUM - Classes.IGNORE)).add(labels); // 255 → 19
        NDArray onehot = ids.oneHot(Classes.NUM + 1).transpose(0, 3, 1, 2);
        NDArray pooled = onehot.getNDArrayInternal().avgPool(new Shape(sy, sx), new Shape(sy, sx), new Shape(0, 0), false, true);
        NDArray share = pooled.get(new NDIndex(":, :{}", Classes.NUM)); // drop the ignore channel
        NDArray maxShare = share.max(new int[] {1});
        NDArray dominant = share.argMax(1);
        float[] things = new float[Classes.NUM];
        for (int c : Classes.THINGS) {
            things[c] = 1f;
        }
        NDArray isThing = Tensors.create(labels.getManager(), things).get(dominant.toType(DataType.INT64, false));
        NDArray mask = isThing.mul(maxShare.gte(Tensors.scalar(maxShare, DOMINANT)).toType(DataType.FLOAT32, false));
        NDArray dist = student.sub(frozen).norm(2, new int[] {1}, false); // (N, h, w); native norm: gradient 0 at 0, not NaN
        NDArray count = Tensors.maximum(mask.sum(), 1);
        return dist.mul(mask).sum().div(count);
    }
}
