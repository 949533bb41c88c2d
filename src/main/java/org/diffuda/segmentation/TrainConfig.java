package org.diffuda.segmentation;

import org.diffuda.util.Configs;

/**
 * Supervised segmentation training. Defaults of the named profiles follow the papers' recipes;
 * {@link #small()} is the embedded world's profile.
 *
 * @param optimizer  "sgd" (DeepLab recipe: momentum 0.9, poly 0.9) or "adamw" (DAFormer: warm-up,
 *                   poly 1.0, head ×10)
 * @param scaleBase  what the random scale [scaleMin, scaleMax] is relative to: "crop" (null: the
 *                   crop size, every recipe's default — images of another size are brought to it)
 *                   or "image" (each image's own size: images that are already native-scale crops,
 *                   as U-Net swap's generated ones)
 */
public record TrainConfig(int iterations, int batchSize, int cropHeight, int cropWidth, double scaleMin,
                          double scaleMax, String optimizer, double lr, double weightDecay, double momentum,
                          int warmupIters, double power, double headLrMult, double clipNorm, boolean photometric,
                          double catMaxRatio, int checkpointEvery, String scaleBase) {

    public TrainConfig(int iterations, int batchSize, int cropHeight, int cropWidth, double scaleMin, double scaleMax, String optimizer,
                       double lr, double weightDecay, double momentum, int warmupIters, double power, double headLrMult, double clipNorm,
                       boolean photometric, double catMaxRatio, int checkpointEvery) {
        this(iterations, batchSize, cropHeight, cropWidth, scaleMin, scaleMax, optimizer, lr, weightDecay, momentum, warmupIters, power,
                headLrMult, clipNorm, photometric, catMaxRatio, checkpointEvery, "crop");
    }

    /** Whether the random scale is relative to each image's own size. */
    public boolean scalesImages() {
        if (scaleBase != null && !scaleBase.equals("crop") && !scaleBase.equals("image")) {
            throw new org.diffuda.util.DiffudaException("scale_base " + scaleBase + ": expected crop or image");
        }
        return "image".equals(scaleBase);
    }

    /** mmsegmentation DeepLabV3+ on Cityscapes: SGD 0.01, 80k iterations, 8×512×1024 crops. */
    public static TrainConfig deeplabReal() {
        return new TrainConfig(80000, 8, 512, 1024, 0.5, 2.0, "sgd", 0.01, 5e-4, 0.9, 0, 0.9, 1, 0, true, 0.75, 4000);
    }

    /** DAFormer's optimiser: AdamW 6e-5, head ×10, 1500 warm-up, poly 1.0, 40k iterations, 512². */
    public static TrainConfig daformerReal() {
        return new TrainConfig(40000, 2, 512, 512, 0.5, 2.0, "adamw", 6e-5, 0.01, 0, 1500, 1.0, 10, 0, true, 0.75, 4000);
    }

    /**
     * ZoDi's model adaptation: SGD momentum 0.9, wd 1e-4, lr 1e-3, poly 0.9, batch 4 (pairs),
     * 384×768 crops of 512×1024 images, flip, colour jitter, 100 epochs of Cityscapes' 2975 images.
     */
    public static TrainConfig zodiReal() {
        return new TrainConfig(74375, 4, 384, 768, 1.0, 1.0, "sgd", 1e-3, 1e-4, 0.9, 0, 0.9, 1, 0, true, 1.0, 4000);
    }

    /** Embedded world: 64×128 images, whole-image crops with scale jitter, AdamW as DAFormer. */
    public static TrainConfig small() {
        return new TrainConfig(2000, 8, 64, 128, 0.75, 1.5, "adamw", 1e-3, 0.01, 0, 100, 1.0, 10, 0, true, 1.0, 500);
    }

    public TrainConfig withIterations(int n) {
        return Configs.with(this, "iterations", n);
    }
}
