package org.diffuda.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.diffuda.data.Classes;
import org.diffuda.nn.Tensors;

/**
 * A label map as a ControlNet's condition image:
 * <ul>
 *   <li>{@code cityscapes-colors} (alias {@code colour}) — the Cityscapes palette in [0, 1], what
 *       ZoDi's public code feeds {@code control_v11p_sd15_seg} unchanged;</li>
 *   <li>{@code ade20k-colors} — each train id painted in the colour of its nearest ADE20K class
 *       (mmsegmentation's 150-class palette, which the ControlNet v1.1 seg model was trained on);</li>
 *   <li>{@code onehot} — one channel per train id;</li>
 *   <li>{@code onehot-other} — the same plus a 20th channel, "other", set on every ignored pixel
 *       (the U-Net swap thesis' 19 classes + other).</li>
 * </ul>
 * Otherwise ignored pixels (255) are black, or all-zero channels.
 */
public final class LayoutCondition {
    public static final List<String> MODES = List.of("cityscapes-colors", "ade20k-colors", "onehot", "onehot-other");

    /**
     * The ADE20K class each train id is painted as: road→road, sidewalk→sidewalk, building,
     * wall, fence, pole, traffic light, traffic sign→signboard, vegetation→tree, terrain→grass,
     * sky, person, rider→person, car, truck, bus, train→bus (ADE20K has no train),
     * motorcycle→minibike, bicycle.
     */
    static final int[] ADE20K_CLASS = {6, 11, 1, 0, 32, 93, 136, 43, 4, 9, 2, 12, 12, 20, 83, 80, 80, 116, 127};

    /** mmsegmentation's ADE20K palette entries of the classes above (index → RGB). */
    static final int[][] ADE20K_COLORS = {
        {140, 140, 140}, {235, 255, 7}, {180, 120, 120}, {120, 120, 120}, {255, 184, 6}, {51, 0, 255}, {41, 0, 255},
        {255, 5, 153}, {4, 200, 3}, {4, 250, 7}, {6, 230, 230}, {150, 5, 61}, {150, 5, 61}, {0, 102, 200}, {255, 0, 20},
        {255, 0, 245}, {255, 0, 245}, {163, 0, 255}, {255, 245, 0}};

    private LayoutCondition() {}

    public static int channels(String mode) {
        String m = check(mode);
        return m.equals("onehot") ? Classes.NUM : m.equals("onehot-other") ? Classes.NUM + 1 : 3;
    }

    /**
     * The U-Net swap thesis' prompt: the names of the classes present in a label map, most pixels
     * first (ties by train id), comma-separated — "road, building, sky, car". Ignored pixels name
     * nothing; an all-ignored map gives "".
     */
    public static String classNames(int[] label) {
        long[] n = new long[Classes.NUM];
        for (int v : label) {
            if (v >= 0 && v < Classes.NUM) {
                n[v]++;
            }
        }
        List<Integer> present = new java.util.ArrayList<>();
        for (int c = 0; c < Classes.NUM; c++) {
            if (n[c] > 0) {
                present.add(c);
            }
        }
        present.sort((a, b) -> n[a] != n[b] ? Long.compare(n[b], n[a]) : Integer.compare(a, b));
        StringBuilder sb = new StringBuilder();
        for (int c : present) {
            sb.append(sb.length() == 0 ? "" : ", ").append(Classes.NAMES[c]);
        }
        return sb.toString();
    }

    /** The mode a ControlNet with this many condition channels takes: 19 one-hot, 20 one-hot + other, else colours. */
    public static String forChannels(int channels) {
        return channels == Classes.NUM ? "onehot" : channels == Classes.NUM + 1 ? "onehot-other" : "cityscapes-colors";
    }

    /** The condition channels of a ControlNet config (diffusers' default 3). */
    public static int channels(org.diffuda.diffusion.models.UNet2DConditionConfig cc) {
        Integer ch = cc.conditioningChannels();
        return ch == null ? 3 : ch;
    }

    /** The canonical name of a mode ("colour" is "cityscapes-colors"); anything else is a one-line error. */
    public static String check(String mode) {
        String m = "colour".equals(mode) ? "cityscapes-colors" : mode;
        if (!MODES.contains(m)) {
            throw new org.diffuda.util.DiffudaException("--label-input " + mode + ": expected one of " + String.join(", ", MODES));
        }
        return m;
    }

    /** labels (N, H, W) int64 train ids (255 ignored) → (N, C, H, W) float32. */
    public static NDArray encode(NDArray labels, String mode) {
        int k = Classes.NUM;
        // one-hot over 0..18 plus one column for "ignored", channels last, then dropped/mapped
        NDArray ids = labels.minimum(labels.getManager().full(labels.getShape(), k, DataType.INT64));
        NDArray onehot = ids.oneHot(k + 1); // (N, H, W, k+1)
        String m = check(mode);
        if (m.equals("onehot")) {
            return onehot.get("..., 0:" + k).transpose(0, 3, 1, 2);
        }
        if (m.equals("onehot-other")) {
            return onehot.transpose(0, 3, 1, 2);
        }
        int[][] colors = m.equals("ade20k-colors") ? ADE20K_COLORS : Classes.COLORS;
        float[] pal = new float[(k + 1) * 3];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < 3; j++) {
                pal[c * 3 + j] = colors[c][j] / 255f;
            }
        }
        NDArray palette = Tensors.create(labels.getManager(), pal, new Shape(k + 1, 3));
        return onehot.matMul(palette).transpose(0, 3, 1, 2);
    }
}
