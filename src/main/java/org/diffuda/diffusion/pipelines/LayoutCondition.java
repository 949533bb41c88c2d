package org.diffuda.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.diffuda.data.Classes;
import org.diffuda.nn.Tensors;

/**
 * A label map as a ControlNet's condition image: "colour" — the Cityscapes palette in [0, 1]
 * (what ZoDi feeds control_v11p_sd15_seg), ignored pixels black; or "onehot" — one channel per
 * train id, ignored pixels all zero.
 */
public final class LayoutCondition {
    private LayoutCondition() {}

    public static int channels(String mode) {
        return switch (check(mode)) {
            case "colour" -> 3;
            default -> Classes.NUM;
        };
    }

    public static String check(String mode) {
        if (!"colour".equals(mode) && !"onehot".equals(mode)) {
            throw new org.diffuda.util.DiffudaException("--condition " + mode + ": expected colour or onehot");
        }
        return mode;
    }

    /** labels (N, H, W) int64 train ids (255 ignored) → (N, C, H, W) float32. */
    public static NDArray encode(NDArray labels, String mode) {
        int k = Classes.NUM;
        // one-hot over 0..18 plus one column for "ignored", channels last, then dropped/mapped
        NDArray ids = labels.minimum(labels.getManager().full(labels.getShape(), k, DataType.INT64));
        NDArray onehot = ids.oneHot(k + 1); // (N, H, W, k+1)
        if (check(mode).equals("onehot")) {
            return onehot.get("..., 0:" + k).transpose(0, 3, 1, 2);
        }
        float[] pal = new float[(k + 1) * 3];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < 3; j++) {
                pal[c * 3 + j] = Classes.COLORS[c][j] / 255f;
            }
        }
        NDArray palette = Tensors.create(labels.getManager(), pal, new Shape(k + 1, 3));
        return onehot.matMul(palette).transpose(0, 3, 1, 2);
    }
}
