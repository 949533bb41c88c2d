package org.diffuda.methods.datum;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.diffuda.util.Configs;

/**
 * DATUM stage 2: a synthetic target set from the personalised model, prompts cycling over classes
 * ("a photo of a sks [CLS]"), one generator per image.
 *
 * @param count    images (2975 in DATUM: the size of Cityscapes train)
 * @param classes  {@code things} (the 10 thing classes, DATUM's default), {@code things+stuff}
 *                 (all 19), or {@code scene} (the instance prompt alone)
 * @param template the prompt with {token} and {cls}; {@code scene} uses the instance prompt
 * @param steps    DDIM steps
 * @param guidance classifier-free guidance scale
 * @param batch    images denoised together (the result does not depend on it)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GenerationConfig(
        @JsonProperty("count") int count,
        @JsonProperty("classes") String classes,
        @JsonProperty("template") String template,
        @JsonProperty("steps") int steps,
        @JsonProperty("guidance") double guidance,
        @JsonProperty("batch") int batch) {

    /** DATUM: 2975 images, class-wise "things" prompts, 50 steps, guidance 7.5. */
    public static GenerationConfig datum() {
        return new GenerationConfig(2975, "things", "a photo of a {token} {cls}", 50, 7.5, 8);
    }

    /**
     * The embedded world: as many images as {@code real/train} (800), the prior's measured sampling
     * (20 DDIM steps, guidance 4: its judge's setting).
     */
    public static GenerationConfig embedded() {
        return new GenerationConfig(800, "things", "a photo of a {token} {cls}", 20, 4.0, 50);
    }

    public GenerationConfig with(Object... nameValuePairs) {
        return Configs.with(this, nameValuePairs);
    }
}
