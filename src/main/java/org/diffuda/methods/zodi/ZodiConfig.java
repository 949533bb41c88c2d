package org.diffuda.methods.zodi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;

/**
 * ZoDi stage 1, the zero-shot image transfer (the public code's settings are the defaults).
 *
 * @param mode           {@code zodi} (stochastic inversion + ControlNet), {@code controlnet} (ControlNet
 *                       without inversion: the paper's "w/o SI"), {@code inst} (inversion without
 *                       ControlNet, InST-like), {@code sdedit} (neither), {@code vae} (no transfer at
 *                       all: the pipeline's autoencoder, x → D(E(x)) at the pipeline's size — what the
 *                       pipeline costs before the prompt changes anything; a diagnostic row)
 * @param prompt         the target domain, "driving at night"
 * @param promptSuffix   appended to the prompt (", best quality")
 * @param negativePrompt the unconditional branch of classifier-free guidance
 * @param strength       S: the image is noised to the first of the last floor(S·steps) DDIM steps
 * @param steps          DDIM steps of the full schedule (20)
 * @param eta            DDIM eta (1.0: every step adds fresh noise)
 * @param guidance       classifier-free guidance scale (9.0)
 * @param controlScale   ControlNet conditioning scale (1.0)
 * @param labelColors    how labels enter the ControlNet ({@code cityscapes-colors}, {@code ade20k-colors},
 *                       {@code onehot}); null: {@code onehot} for a 19-channel ControlNet, Cityscapes
 *                       colours (as ZoDi feeds control_v11p_sd15_seg) for a 3-channel one
 * @param sourceSize     denoise at the source image's size (rounded down to a multiple of 8; every
 *                       image of a batch at the first one's) instead of the pipeline's trained size
 *                       (diffusers' height/width arguments; ZoDi runs SD at the source's 512×1024)
 * @param batch          images denoised together (image i draws from its own generator; the batch changes only the last bits)
 * @param detail         what fills the band of the output above the pipeline's resolution when the
 *                       source is larger than the size it was denoised at: {@code none} (the transfer
 *                       upsampled bilinearly: the detail is lost) or {@code source} (the source image's
 *                       own detail, x − up(down(x)) with down the resize the pipeline was fed, is added
 *                       to the upsampled transfer — a Laplacian-pyramid band; nothing is added when the
 *                       sizes match, as at real scale, where SD denoises at the segmenter's resolution)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ZodiConfig(
        @JsonProperty("mode") String mode,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("prompt_suffix") String promptSuffix,
        @JsonProperty("negative_prompt") String negativePrompt,
        @JsonProperty("strength") double strength,
        @JsonProperty("steps") int steps,
        @JsonProperty("eta") double eta,
        @JsonProperty("guidance") double guidance,
        @JsonProperty("control_scale") double controlScale,
        @JsonProperty("label_colors") String labelColors,
        @JsonProperty("batch") int batch,
        @JsonProperty("source_size") boolean sourceSize,
        @JsonProperty("detail") String detail) {

    public static final List<String> MODES = List.of("zodi", "controlnet", "inst", "sdedit", "vae");
    public static final List<String> DETAILS = List.of("none", "source");

    public ZodiConfig {
        detail = detail == null ? "none" : detail; // a config written before the field existed: the behaviour it had
    }

    /** The target domains of the paper: the words after "driving" and the strength of each. */
    public static final Map<String, String> DOMAINS = Map.of("night", "at night", "snow", "in snow", "rain", "under rain",
            "fog", "in fog", "game", "in a game");
    public static final Map<String, Double> STRENGTHS = Map.of("night", 0.90, "snow", 0.65, "rain", 0.65, "fog", 0.60, "game", 0.60);

    /** The public code's transfer for a prompt at a strength. */
    public static ZodiConfig of(String prompt, double strength) {
        return new ZodiConfig("zodi", prompt, ", best quality", "lower quality, worst quality", strength, 20, 1.0, 9.0, 1.0, null, 16, false, "none");
    }

    /** The paper's prompt and strength for a target condition (night, snow, rain, fog, game). */
    public static ZodiConfig forCondition(String condition) {
        String d = DOMAINS.get(condition);
        if (d == null) {
            throw new DiffudaException("--target-condition " + condition + ": expected one of night, snow, rain, fog, game");
        }
        return of("driving " + d, STRENGTHS.get(condition));
    }

    public ZodiConfig with(Object... nameValuePairs) {
        return Configs.with(this, nameValuePairs);
    }

    public boolean usesControlNet() {
        return mode.equals("zodi") || mode.equals("controlnet");
    }

    /** The vae mode: the autoencoder's round trip, no noise, prompt or denoising step. */
    public boolean denoises() {
        return !mode.equals("vae");
    }

    public boolean inverts() {
        return mode.equals("zodi") || mode.equals("inst");
    }

    /** The prompt the model sees. */
    public String fullPrompt() {
        return prompt + (promptSuffix == null ? "" : promptSuffix);
    }

    /** One-line errors for values no run can use. */
    public ZodiConfig check() {
        if (!MODES.contains(mode)) {
            throw new DiffudaException("--mode " + mode + ": expected one of " + String.join(", ", MODES));
        }
        if (!(strength > 0 && strength <= 1)) {
            throw new DiffudaException("--strength " + strength + ": must be in (0, 1]");
        }
        if (steps <= 0 || (int) Math.floor(strength * steps) < 1) {
            throw new DiffudaException("--steps " + steps + " at --strength " + strength + ": no denoising step is left");
        }
        if (!(eta >= 0) || !(guidance >= 0) || !(controlScale >= 0) || !Double.isFinite(guidance) || !Double.isFinite(controlScale)) {
            throw new DiffudaException("--eta, --guidance and --control-scale must be finite and non-negative");
        }
        if (batch <= 0) {
            throw new DiffudaException("--batch " + batch + ": must be positive");
        }
        if (prompt == null || prompt.isBlank()) {
            throw new DiffudaException("--prompt: must name the target domain");
        }
        if (!DETAILS.contains(detail)) {
            throw new DiffudaException("--detail " + detail + ": expected one of " + String.join(", ", DETAILS));
        }
        if (labelColors != null) {
            org.diffuda.diffusion.pipelines.LayoutCondition.check(labelColors);
        }
        return this;
    }
}
