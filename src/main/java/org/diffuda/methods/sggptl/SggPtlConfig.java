package org.diffuda.methods.sggptl;

import org.diffuda.util.Configs;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything Peng et al.'s method decides, with the paper's values in {@link #real()} and the
 * embedded world's budget in {@link #small()}.
 *
 * @param maxSteps         N: the last translation stage diffuses n = N steps (600 of 1000 in the paper)
 * @param stageStride      s: PTL stages n = s, 2s, …, N (the paper: 1)
 * @param stepStride       reverse steps visit every r-th timestep (the paper: 1, the full chain)
 * @param finetuneIters    K: fine-tuning iterations per stage (300)
 * @param finetuneLr       AdamW learning rate of the fine-tuning stages (warm-up K/10, poly 1.0)
 * @param lambda           guidance scale λ (80); the mean moves by λ·Σ·(−∇ CE)
 * @param arrangement      how LCG and GSG steps alternate (alternate)
 * @param translateImages  how many source images are translated per stage (0: all)
 * @param translateHeight  the denoiser's working size; images are resized to it and back (0: as loaded)
 * @param noisyFraction    share of g's training images (g₀ and every stage) that are noised and masked (0.1)
 * @param guided           false: "w/o SGG" — translations are unguided φⁿ
 * @param progressive      false: "w/o PTL" — a single stage at n = N
 * @param sourceTerm       false: fine-tune on CE(X^n) only
 * @param batch            images per translation batch
 * @param variance         Σ of the reverse steps, both the sampling noise and the guidance step:
 *                         "fixed_large" (β_t, the paper, with the full chain) or "fixed_small"
 *                         (the posterior variance β̃_t of each step or jump)
 */
public record SggPtlConfig(int maxSteps, int stageStride, int stepStride, int finetuneIters, double finetuneLr,
                           double lambda, String arrangement, int translateImages, int translateHeight,
                           int translateWidth, double noisyFraction, boolean guided, boolean progressive,
                           boolean sourceTerm, int batch, String variance) {

    public static SggPtlConfig real() {
        return new SggPtlConfig(600, 1, 1, 300, 6e-5, 80, "alternate", 0, 0, 0, 0.1, true, true, true, 4, "fixed_large");
    }

    /**
     * Embedded world: 64×128 scenes translated at the shipped denoiser's 32×64, three stages
     * (n = 100, 200, 300) with reverse steps at most 25 timesteps apart, 48 images per stage,
     * K = 150 — a default run within 20 minutes on 2 CPU cores. λ = 0.2 because our CE is summed
     * over pixels and chosen by looking at translations, not by the metric: with the fine-tuned
     * segmenters of later stages, λ = 0.5 turns translations into colour noise (docs/sgg-lambda-0.5.png vs docs/sgg-lambda-0.2.png),
     * λ = 0.2 leaves them clean; with g₀, λ ≥ 1.5 adds colour noise and λ ≥ 4 destroys the image.
     * Σ = β̃ (fixed_small): with 25-step jumps, β of a jump is up to 3.3× its posterior variance
     * near t = 0, and φⁿ of a *target* image came back as colour noise even at n = 50, while the
     * full chain (stride 1, where β ≈ β̃) returned it clean (docs/sgg-variance.png).
     */
    public static SggPtlConfig small() {
        return new SggPtlConfig(300, 100, 25, 150, 5e-4, 0.2, "alternate", 48, 32, 64, 0.1, true, true, true, 16, "fixed_small");
    }

    /**
     * One stage at n = N ("w/o PTL", baseline) with the fine-tuning iterations of all PTL stages,
     * so that single-stage variants train as long as the full method.
     */
    public SggPtlConfig singleStage() {
        return withFinetune(finetuneIters * withProgressive(true).stages().size(), finetuneLr).withProgressive(false);
    }

    /** The stages' n values: s, 2s, …, N (N alone without PTL). */
    public List<Integer> stages() {
        List<Integer> out = new ArrayList<>();
        if (!progressive) {
            out.add(maxSteps);
            return out;
        }
        for (int n = stageStride; n < maxSteps; n += stageStride) {
            out.add(n);
        }
        out.add(maxSteps);
        return out;
    }

    public SggPtlConfig withMaxSteps(int n, int stride, int stepStride) {
        return Configs.with(this, "maxSteps", n, "stageStride", stride, "stepStride", stepStride);
    }

    public SggPtlConfig withFinetune(int iters, double lr) {
        return Configs.with(this, "finetuneIters", iters, "finetuneLr", lr);
    }

    public SggPtlConfig withGuidance(boolean guided, String arrangement, double lambda) {
        return Configs.with(this, "guided", guided, "arrangement", arrangement, "lambda", lambda);
    }

    public SggPtlConfig withProgressive(boolean p) {
        return Configs.with(this, "progressive", p);
    }

    public SggPtlConfig withSourceTerm(boolean s) {
        return Configs.with(this, "sourceTerm", s);
    }

    public SggPtlConfig withTranslation(int images, int height, int width, int batch) {
        return Configs.with(this, "translateImages", images, "translateHeight", height, "translateWidth", width, "batch", batch);
    }

    /** {@code v} if it names a Σ choice; otherwise a one-line user error naming --variance. */
    public static String checkVariance(String v) {
        if (!"fixed_large".equals(v) && !"fixed_small".equals(v)) {
            throw new org.diffuda.util.DiffudaException("--variance " + v + ": must be fixed_small or fixed_large");
        }
        return v;
    }

    public SggPtlConfig withVariance(String v) {
        checkVariance(v);
        return Configs.with(this, "variance", v);
    }

    /**
     * The command-line switches of {@code adapt sgg-ptl}: null / false keep the profile's value.
     * {@code translateSize} is {height, width} or null.
     */
    public record Switches(Integer steps, Integer stageStride, Integer stepStride, Integer finetuneIters, Double finetuneLr,
                           Double scale, String variance, String guidance, Integer images, int[] translateSize,
                           boolean noSgg, boolean noPtl, boolean noSourceTerm, boolean baseline) {}

    /**
     * A profile ("small" or "real") with the switches applied, as the paper's ablation rows
     * define them: w/o SGG and the baseline translate unguided; w/o PTL and the baseline run one
     * stage at n = N with the PTL stages' total fine-tuning (unless --finetune-iters is given).
     */
    public static SggPtlConfig compose(String profile, Switches w) {
        SggPtlConfig c = switch (profile) {
            case "small" -> small();
            case "real" -> real();
            default -> throw new org.diffuda.util.DiffudaException("--profile-method " + profile + ": expected small or real");
        };
        c = c.withMaxSteps(w.steps() == null ? c.maxSteps() : w.steps(), w.stageStride() == null ? c.stageStride() : w.stageStride(),
                w.stepStride() == null ? c.stepStride() : w.stepStride());
        if (c.maxSteps() < 1 || c.maxSteps() > 1000 || c.stageStride() < 1 || c.stepStride() < 1) {
            throw new org.diffuda.util.DiffudaException("--steps/--stage-stride/--step-stride: need 1 <= N <= 1000 and strides >= 1");
        }
        c = c.withFinetune(w.finetuneIters() == null ? c.finetuneIters() : w.finetuneIters(),
                w.finetuneLr() == null ? c.finetuneLr() : w.finetuneLr());
        String arr = w.guidance() == null ? c.arrangement() : w.guidance();
        Arrangement.parse(arr);
        c = c.withGuidance(!(w.noSgg() || w.baseline()), arr, w.scale() == null ? c.lambda() : w.scale());
        if (w.noPtl() || w.baseline()) {
            c = w.finetuneIters() == null ? c.singleStage() : c.withProgressive(false);
        }
        c = c.withSourceTerm(!w.noSourceTerm());
        if (w.variance() != null) {
            c = c.withVariance(w.variance());
        }
        int[] hw = w.translateSize() == null ? new int[] {c.translateHeight(), c.translateWidth()} : w.translateSize();
        return c.withTranslation(w.images() == null ? c.translateImages() : w.images(), hw[0], hw[1], c.batch());
    }
}
