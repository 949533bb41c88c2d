package org.diffuda.diffusion.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** diffusers' UNet2DModel config.json (the fields diffuda builds from). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UNet2DConfig(
        @JsonProperty("_class_name") String className,
        @JsonProperty("sample_size") int sampleSize,
        @JsonProperty("in_channels") int inChannels,
        @JsonProperty("out_channels") int outChannels,
        @JsonProperty("down_block_types") List<String> downBlockTypes,
        @JsonProperty("up_block_types") List<String> upBlockTypes,
        @JsonProperty("block_out_channels") List<Integer> blockOutChannels,
        @JsonProperty("layers_per_block") int layersPerBlock,
        @JsonProperty("attention_head_dim") Integer attentionHeadDim,
        @JsonProperty("norm_num_groups") int normNumGroups,
        @JsonProperty("norm_eps") double normEps,
        @JsonProperty("flip_sin_to_cos") boolean flipSinToCos,
        @JsonProperty("freq_shift") int freqShift,
        @JsonProperty("dropout") double dropout,
        @JsonProperty("downsample_padding") int downsamplePadding) {

    /**
     * diffusers' UNet2DModel.__init__ defaults, for fields a config.json leaves out (sample_size,
     * None there, is taken as 64).
     */
    public static UNet2DConfig referenceDefaults() {
        return new UNet2DConfig("UNet2DModel", 64, 3, 3,
                List.of("DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"),
                List.of("AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"), List.of(224, 448, 672, 896), 2, 8, 32,
                1e-5, true, 0, 0.0, 1);
    }

    /**
     * Channels per attention head; 0 when attention_head_dim is null (google/ddpm-cifar10-32 has
     * that), which diffusers reads as the block's width — one head per block.
     */
    public int headDim() {
        return attentionHeadDim == null || attentionHeadDim <= 0 ? 0 : attentionHeadDim;
    }

    /**
     * The pixel DDPM of Peng et al. (a DDPM/ADM-style U-Net at 256 px: 128·(1,1,2,2,4,4), attention
     * at 16×16, two ResNet blocks per level).
     */
    public static UNet2DConfig ddpmReal() {
        return new UNet2DConfig("UNet2DModel", 256, 3, 3,
                List.of("DownBlock2D", "DownBlock2D", "DownBlock2D", "DownBlock2D", "AttnDownBlock2D", "DownBlock2D"),
                List.of("UpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D"),
                List.of(128, 128, 256, 256, 512, 512), 2, 8, 32, 1e-5, true, 0, 0.0, 1);
    }

    /** Embedded world: 64×128 images, base 32, three levels, attention at the lowest. */
    public static UNet2DConfig small() {
        return new UNet2DConfig("UNet2DModel", 64, 3, 3, List.of("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
                List.of("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"), List.of(32, 64, 96), 1, 32, 16, 1e-5, true, 0, 0.0, 1);
    }
}
