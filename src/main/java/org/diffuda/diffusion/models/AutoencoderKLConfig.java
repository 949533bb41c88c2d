package org.diffuda.diffusion.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** diffusers' AutoencoderKL config.json fields. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AutoencoderKLConfig(
        @JsonProperty("_class_name") String className,
        @JsonProperty("in_channels") int inChannels,
        @JsonProperty("out_channels") int outChannels,
        @JsonProperty("latent_channels") int latentChannels,
        @JsonProperty("block_out_channels") List<Integer> blockOutChannels,
        @JsonProperty("layers_per_block") int layersPerBlock,
        @JsonProperty("norm_num_groups") int normNumGroups,
        @JsonProperty("sample_size") int sampleSize,
        @JsonProperty("scaling_factor") double scalingFactor) {

    /** Image pixels per latent pixel along each side: diffusers' vae_scale_factor, 2^(levels − 1). */
    public int downsampling() {
        return 1 << (blockOutChannels.size() - 1);
    }

    /** diffusers' AutoencoderKL.__init__ defaults, for fields a config.json leaves out. */
    public static AutoencoderKLConfig referenceDefaults() {
        return new AutoencoderKLConfig("AutoencoderKL", 3, 3, 4, List.of(64), 1, 32, 32, 0.18215);
    }

    public static AutoencoderKLConfig sd15() {
        return new AutoencoderKLConfig("AutoencoderKL", 3, 3, 4, List.of(128, 256, 512, 512), 2, 32, 512, 0.18215);
    }

    /** Embedded: 4× downsampling (three levels), 4 latent channels. */
    public static AutoencoderKLConfig small() {
        return new AutoencoderKLConfig("AutoencoderKL", 3, 3, 4, List.of(16, 32, 64), 1, 8, 64, 1.0);
    }
}
