package org.diffuda.segmentation.models;

import java.util.List;

/**
 * Every constructor argument of a segmenter, saved as config.json beside its weights.
 *
 * @param arch          "deeplabv3plus" or "segformer" (DAFormer head)
 * @param backbone      resnet18 / resnet50 / resnet101, or mit-b0 ... mit-b5
 * @param width         base width: ResNet stem channels (64 at real scale), or MiT width multiplier ×1/8
 *                      relative to the layout's dims when not 8 (8 = the paper's dims)
 * @param numClasses    19 for Cityscapes train ids
 * @param outputStride  ResNet output stride (8 or 16; mmseg's DeepLabV3+ uses 8)
 * @param headChannels  decoder channels (DeepLabV3+ 512, DAFormer 256 at real scale)
 * @param dilations     ASPP dilations (DeepLabV3+ 1,12,24,36; DAFormer 1,6,12,18)
 * @param dropPath      MiT stochastic depth rate (0.1 in SegFormer/DAFormer)
 * @param cicld         the latent-diffusion segmenter's own shape (arch "cicld"; null: {@link CicldModelConfig#small()})
 */
public record SegModelConfig(String arch, String backbone, int width, int numClasses, int outputStride,
                             int headChannels, List<Integer> dilations, double dropPath, CicldModelConfig cicld) {

    public SegModelConfig(String arch, String backbone, int width, int numClasses, int outputStride, int headChannels,
                          List<Integer> dilations, double dropPath) {
        this(arch, backbone, width, numClasses, outputStride, headChannels, dilations, dropPath, null);
    }

    /** CICLD (arch "cicld") of the given shape; the other fields are unused by it. */
    public static SegModelConfig cicld(CicldModelConfig c) {
        return new SegModelConfig("cicld", "latent-diffusion", 0, 19, 1, 0, List.of(), 0, c);
    }

    /** DeepLabV3+ ResNet-101 as in mmsegmentation. */
    public static SegModelConfig deeplabReal() {
        return new SegModelConfig("deeplabv3plus", "resnet101", 64, 19, 8, 512, List.of(1, 12, 24, 36), 0);
    }

    /** DAFormer: MiT-B5 with the context-aware fusion decoder. */
    public static SegModelConfig daformerReal() {
        return new SegModelConfig("segformer", "mit-b5", 8, 19, 32, 256, List.of(1, 6, 12, 18), 0.1);
    }

    /** The embedded default: a narrow DeepLabV3+ ResNet-18 for 64×128 images. */
    public static SegModelConfig small() {
        return new SegModelConfig("deeplabv3plus", "resnet18", 16, 19, 8, 64, List.of(1, 2, 4, 6), 0);
    }

    /** A small DAFormer (MiT-B0 at half width) for the embedded world. */
    public static SegModelConfig smallDaformer() {
        return new SegModelConfig("segformer", "mit-b0", 4, 19, 32, 64, List.of(1, 2, 3, 4), 0.1);
    }

    public SegModelConfig withArch(String a, String b) {
        return new SegModelConfig(a, b, width, numClasses, outputStride, headChannels, dilations, dropPath, cicld);
    }
}
