package org.diffuda.diffusion.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** diffusers' UNet2DConditionModel (and ControlNetModel) config.json fields. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UNet2DConditionConfig(
        @JsonProperty("_class_name") String className,
        @JsonProperty("sample_size") int sampleSize,
        @JsonProperty("in_channels") int inChannels,
        @JsonProperty("out_channels") int outChannels,
        @JsonProperty("down_block_types") List<String> downBlockTypes,
        @JsonProperty("up_block_types") List<String> upBlockTypes,
        @JsonProperty("block_out_channels") List<Integer> blockOutChannels,
        @JsonProperty("layers_per_block") int layersPerBlock,
        @JsonProperty("attention_head_dim") int attentionHeadDim,
        @JsonProperty("cross_attention_dim") int crossAttentionDim,
        @JsonProperty("norm_num_groups") int normNumGroups,
        @JsonProperty("norm_eps") double normEps,
        @JsonProperty("flip_sin_to_cos") boolean flipSinToCos,
        @JsonProperty("freq_shift") int freqShift,
        @JsonProperty("conditioning_channels") Integer conditioningChannels,
        @JsonProperty("conditioning_embedding_out_channels") List<Integer> conditioningEmbeddingOutChannels) {

    /** Latent pixels per bottleneck pixel along each side: 2^(levels − 1), diffusers' default_overall_up_factor. */
    public int downsampling() {
        return 1 << (blockOutChannels.size() - 1);
    }

    /**
     * diffusers' UNet2DConditionModel.__init__ defaults (sample_size, None there, taken as 64), and
     * ControlNetModel's (conditioning_channels 3, embedding 16/32/96/256) when the file names that class.
     */
    public static UNet2DConditionConfig referenceDefaults(com.fasterxml.jackson.databind.JsonNode file) {
        UNet2DConditionConfig u = new UNet2DConditionConfig("UNet2DConditionModel", 64, 4, 4,
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
                List.of(320, 640, 1280, 1280), 2, 8, 1280, 32, 1e-5, true, 0, null, null);
        boolean controlNet = file.has("_class_name") && file.get("_class_name").asText().equals("ControlNetModel");
        return controlNet ? u.asControlNet(3, List.of(16, 32, 96, 256)) : u;
    }

    /** Stable Diffusion 1.5's unet/config.json (attention_head_dim 8 is the number of heads). */
    public static UNet2DConditionConfig sd15() {
        return new UNet2DConditionConfig("UNet2DConditionModel", 64, 4, 4,
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
                List.of(320, 640, 1280, 1280), 2, 8, 768, 32, 1e-5, true, 0, null, null);
    }

    /** The embedded prior's U-Net: latents 4×8×16 (images 32×64 through a 4× VAE), two levels. */
    public static UNet2DConditionConfig small() {
        return new UNet2DConditionConfig("UNet2DConditionModel", 8, 4, 4, List.of("CrossAttnDownBlock2D", "DownBlock2D"),
                List.of("UpBlock2D", "CrossAttnUpBlock2D"), List.of(64, 128), 1, 4, 64, 16, 1e-5, true, 0, null, null);
    }

    /** ControlNet for SD-1.5 segmentation maps (RGB condition, embedding 16/32/96/256). */
    public UNet2DConditionConfig asControlNet(int condChannels, List<Integer> embeddingChannels) {
        return new UNet2DConditionConfig("ControlNetModel", sampleSize, inChannels, outChannels, downBlockTypes, upBlockTypes,
                blockOutChannels, layersPerBlock, attentionHeadDim, crossAttentionDim, normNumGroups, normEps, flipSinToCos,
                freqShift, condChannels, embeddingChannels);
    }

    UNetBlocks.AttentionSpec attention(String type) {
        return switch (type) {
            case "DownBlock2D", "UpBlock2D" -> UNetBlocks.AttentionSpec.NONE;
            case "CrossAttnDownBlock2D", "CrossAttnUpBlock2D" -> UNetBlocks.AttentionSpec.cross(attentionHeadDim, crossAttentionDim, 1);
            default -> throw new IllegalArgumentException("block type '" + type
                    + "' (DownBlock2D, CrossAttnDownBlock2D, UpBlock2D, CrossAttnUpBlock2D)");
        };
    }
}
