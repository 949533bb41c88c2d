package org.diffuda.cli;

import java.nio.file.Path;
import org.diffuda.methods.zodi.ZodiConfig;
import org.diffuda.util.DiffudaException;
import picocli.CommandLine.Option;

/** The transfer settings of ZoDi, shared by transfer zodi and adapt zodi (unset: the public code's, per condition). */
public final class ZodiOptions {
    /**
     * The seg ControlNet diffuda ships for the embedded benchmark: trained on the prior corpus'
     * layouts with their own captions (benchmark prior-layouts), neither source nor target, as
     * control_v11p_sd15_seg was on ADE20K.
     */
    static final Path SHIPPED_CONTROLNET = Path.of("models/controlnet-seg");

    @Option(names = "--base", defaultValue = "models/prior", description = "Text-to-image pipeline, diffusers layout (default: ${DEFAULT-VALUE}).")
    Path base;
    @Option(names = "--variant", description = "Weights variant of --base, --unet and --controlnet, e.g. fp16.")
    String variant;
    @Option(names = "--controlnet", description = "Seg-map ControlNet folder, diffusers layout (default: the shipped models/controlnet-seg).")
    Path controlnet;
    @Option(names = "--unet", description = "A U-Net folder (or pipeline) used in place of --base's, of the same architecture, e.g. one fine-tuned on the source images (default: --base's own).")
    Path unet;
    @Option(names = "--target-condition", description = "night, snow, rain, fog or game: the paper's prompt (\"driving at night\") and strength.")
    String condition;
    @Option(names = "--prompt", description = "The target domain in words, e.g. \"driving at night\" (overrides --target-condition's).")
    String prompt;
    @Option(names = "--prompt-suffix", description = "Appended to the prompt (default: \", best quality\").")
    String suffix;
    @Option(names = "--negative-prompt", description = "Negative prompt (default: \"lower quality, worst quality\").")
    String negative;
    @Option(names = "--strength", converter = Ranges.Probability.class, description = "S in (0, 1]: how far into the schedule the image is noised (night 0.9, snow/rain 0.65, fog/game 0.6).")
    Double strength;
    @Option(names = "--mode", description = "zodi (default), controlnet (w/o inversion), inst (inversion w/o ControlNet), sdedit, or vae (no transfer: the autoencoder's round trip).")
    String mode;
    @Option(names = "--steps", converter = Ranges.Count.class, description = "DDIM steps of the full schedule (default: 20).")
    Integer steps;
    @Option(names = "--eta", converter = Ranges.NonNegativeReal.class, description = "DDIM eta (default: 1.0).")
    Double eta;
    @Option(names = "--guidance", converter = Ranges.NonNegativeReal.class, description = "Classifier-free guidance scale (default: 9.0).")
    Double guidance;
    @Option(names = "--control-scale", converter = Ranges.NonNegativeReal.class, description = "ControlNet conditioning scale (default: 1.0).")
    Double controlScale;
    @Option(names = "--label-colors", description = "How labels enter the ControlNet: cityscapes (ZoDi's), ade20k (remapped to the ADE20K palette of control_v11p_sd15_seg) or onehot; default: by the ControlNet's input channels.")
    String labelColors;
    @Option(names = "--gen-batch", converter = Ranges.Count.class, description = "Images denoised together (changes only the last bits; a resume must keep it; default: 16).")
    Integer batch;

    @Option(names = "--detail", description = "Above the pipeline's resolution: none (the transfer upsampled) or source (the source image's own detail band added back); default: none.")
    String detail;

    @Option(names = "--at-source-size", description = "Denoise at the source images' size (a multiple of 8) instead of the pipeline's trained size (10x slower on the embedded benchmark).")
    boolean atSourceSize;

    ZodiConfig config(String defaultCondition) {
        String cond = condition != null ? condition : defaultCondition;
        if (cond == null && prompt == null) {
            throw new DiffudaException("--prompt or --target-condition: name the target domain");
        }
        ZodiConfig c = cond != null ? ZodiConfig.forCondition(cond) : ZodiConfig.of(prompt, 0.65);
        java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
        put(o, "prompt", prompt);
        put(o, "prompt_suffix", suffix);
        put(o, "negative_prompt", negative);
        put(o, "strength", strength);
        put(o, "mode", mode);
        put(o, "steps", steps);
        put(o, "eta", eta);
        put(o, "guidance", guidance);
        put(o, "control_scale", controlScale);
        put(o, "batch", batch);
        put(o, "detail", detail);
        if (atSourceSize) {
            o.put("source_size", true);
        }
        if (labelColors != null) {
            o.put("label_colors", switch (labelColors) {
                case "cityscapes", "cityscapes-colors" -> "cityscapes-colors";
                case "ade20k", "ade20k-colors" -> "ade20k-colors";
                case "onehot" -> "onehot";
                default -> throw new DiffudaException("--label-colors " + labelColors + ": expected cityscapes, ade20k or onehot");
            });
        }
        return org.diffuda.util.Configs.with(c, o).check();
    }

    Path controlnet() {
        return controlnet != null ? controlnet : SHIPPED_CONTROLNET;
    }

    /** The transfer's models; the ControlNet only where the mode uses one. */
    org.diffuda.methods.zodi.ZodiTransfer.Models models(boolean withControlNet) {
        return new org.diffuda.methods.zodi.ZodiTransfer.Models(base, variant, unet, withControlNet ? controlnet() : null);
    }

    private static void put(java.util.Map<String, Object> o, String k, Object v) {
        if (v != null) {
            o.put(k, v);
        }
    }
}
