package org.diffuda.cli;

import org.diffuda.methods.unetswap.SwapConfig;
import picocli.CommandLine.Option;

/** U-Net swap's generation options, shared by {@code generate unet-swap} and {@code adapt unet-swap}. */
public final class UnetSwapOptions {
    @Option(names = "--count", converter = Ranges.Count.class, description = "Generated pairs (default: 400; a rerun with a larger count extends a finished set).")
    Integer count;
    @Option(names = "--rcs", negatable = true, description = "Choose label crops by Rare Class Sampling (generate: off unless given; adapt: on).")
    Boolean rcs;
    @Option(names = "--rcs-temperature", converter = Ranges.Positive.class, description = "RCS temperature T (default: 0.01).")
    Double rcsTemperature;
    @Option(names = "--rcs-min-pixels", converter = Ranges.NonNegative.class, description = "Pixels of a class an image needs, at 512x512 (default: 3000).")
    Integer rcsMinPixels;
    @Option(names = "--scr", negatable = true, description = "Small Components Refinement (generate: off unless given; adapt: on).")
    Boolean scr;
    @Option(names = "--scr-min-pixels", converter = Ranges.NonNegative.class,
            description = "A component is small below this many pixels at 512x512, scaled to the crop (default: 3000).")
    Integer scrMinPixels;
    @Option(names = "--scr-rounds", converter = Ranges.NonNegative.class, description = "Components refined per image, smallest first (default: 20).")
    Integer scrRounds;
    @Option(names = "--scr-zoom", converter = Ranges.Count.class, description = "The refinement window is 1/zoom of the image per side, at least (default: 4).")
    Integer scrZoom;
    @Option(names = "--steps", converter = Ranges.Count.class, description = "DDIM steps (default: 20).")
    Integer steps;
    @Option(names = "--guidance", converter = Ranges.NonNegativeReal.class, description = "Classifier-free guidance (default: 7.5).")
    Double guidance;
    @Option(names = "--negative-prompt", description = "Unconditional prompt (default: \"\").")
    String negativePrompt;
    @Option(names = "--control-scale", converter = Ranges.NonNegativeReal.class, description = "ControlNet conditioning scale (default: 1.0).")
    Double controlScale;
    @Option(names = "--gen-batch", converter = Ranges.Count.class, description = "Images denoised together (default: 16).")
    Integer batch;

    /** The thesis' settings with what was given on the command line; rcs/scr default to {@code on}. */
    SwapConfig config(boolean on) {
        SwapConfig c = SwapConfig.defaults().with("rcs", rcs != null ? rcs : on, "scr", scr != null ? scr : on);
        Object[][] named = {{"count", count}, {"rcs_temperature", rcsTemperature}, {"rcs_min_pixels", rcsMinPixels},
            {"scr_min_pixels", scrMinPixels}, {"scr_rounds", scrRounds}, {"scr_zoom", scrZoom}, {"steps", steps}, {"guidance", guidance},
            {"negative_prompt", negativePrompt}, {"control_scale", controlScale}, {"batch", batch}};
        for (Object[] kv : named) {
            if (kv[1] != null) {
                c = c.with(kv[0], kv[1]);
            }
        }
        return c.check();
    }
}
