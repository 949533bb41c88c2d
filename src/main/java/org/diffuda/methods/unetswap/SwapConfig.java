package org.diffuda.methods.unetswap;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;

/**
 * How U-Net swap generates its labelled set (the thesis' §3.4–3.5 and its inference settings).
 *
 * @param count          generated (image, label) pairs
 * @param rcs            choose the label crops by Rare Class Sampling (a class, an image holding at
 *                       least {@code rcsMinPixels} of it, a crop centred on one of its pixels);
 *                       false: every source label map in turn, a uniformly random crop
 * @param rcsTemperature DAFormer's T
 * @param rcsMinPixels   at 512×512, scaled to the label map's area (DAFormer's 3000)
 * @param scr            Small Components Refinement of each generated image
 * @param scrMinPixels   a component is small below this many pixels at 512×512, scaled to the
 *                       generated crop's area (the thesis' 3000)
 * @param scrRounds      components refined per image, smallest first (the thesis' 20)
 * @param scrZoom        the refinement window is 1/zoom of the image per side before it grows to
 *                       hold the component; its label is upsampled by that much
 * @param steps          DDIM steps (20)
 * @param guidance       classifier-free guidance (7.5)
 * @param negativePrompt the unconditional prompt ("")
 * @param controlScale   ControlNet conditioning scale (1.0)
 * @param batch          images denoised together (fixed, in pick order, so a resume writes the same bytes)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SwapConfig(
        @JsonProperty("count") int count,
        @JsonProperty("rcs") boolean rcs,
        @JsonProperty("rcs_temperature") double rcsTemperature,
        @JsonProperty("rcs_min_pixels") int rcsMinPixels,
        @JsonProperty("scr") boolean scr,
        @JsonProperty("scr_min_pixels") int scrMinPixels,
        @JsonProperty("scr_rounds") int scrRounds,
        @JsonProperty("scr_zoom") int scrZoom,
        @JsonProperty("steps") int steps,
        @JsonProperty("guidance") double guidance,
        @JsonProperty("negative_prompt") String negativePrompt,
        @JsonProperty("control_scale") double controlScale,
        @JsonProperty("batch") int batch) {

    /** The thesis' settings; the embedded benchmark's default count. */
    public static SwapConfig defaults() {
        return new SwapConfig(400, true, 0.01, 3000, true, 3000, 20, 4, 20, 7.5, "", 1.0, 16);
    }

    public SwapConfig with(Object... nameValuePairs) {
        return Configs.with(this, nameValuePairs);
    }

    /** One-line errors naming the option. */
    public SwapConfig check() {
        if (count <= 0) {
            throw new DiffudaException("--count " + count + ": must be positive");
        }
        if (steps <= 0) {
            throw new DiffudaException("--steps " + steps + ": must be positive");
        }
        if (!(rcsTemperature > 0)) {
            throw new DiffudaException("--rcs-temperature " + rcsTemperature + ": must be positive");
        }
        if (scrMinPixels < 0 || scrRounds < 0) {
            throw new DiffudaException("--scr-min-pixels / --scr-rounds: must not be negative");
        }
        if (scrZoom < 1) {
            throw new DiffudaException("--scr-zoom " + scrZoom + ": must be at least 1");
        }
        if (!(guidance >= 0) || Double.isInfinite(guidance)) {
            throw new DiffudaException("--guidance " + guidance + ": must be a finite number >= 0");
        }
        if (batch <= 0) {
            throw new DiffudaException("--batch " + batch + ": must be positive");
        }
        return this;
    }
}
