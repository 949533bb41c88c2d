package org.diffuda.segmentation.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.util.Configs;

/**
 * The architecture of the CICLD segmenter ({@link Cicld}; ../shared/specs/cicld.md): encoder E
 * (diffusers' VAE pieces: ResNet blocks and downsamplers) to a latent, forward diffusion to the
 * timestep {@code strength} of a {@code inferenceSteps}-step DDIM schedule, the conditioned
 * denoising U-Net (diffusers' UNet2DModel on the latent) run over the remaining steps, decoder D
 * with the inter-coder skip, 1×1 classifier.
 *
 * @param stemStride      stride of E's first convolution (1: E's first level at the image size; 2: at half, and the
 *                        logits are upsampled from half — the embedded profile's cost)
 * @param encoderChannels channels of E's levels, shallow to deep (each level but the last halves the size)
 * @param layersPerBlock  ResNet blocks per level of E and of D
 * @param normNumGroups   GroupNorm groups of E and D
 * @param latentChannels  channels of z₀
 * @param unet            the denoiser on the latent (in/out channels = latentChannels)
 * @param scheduler       the noise schedule (DDIM steps at inference and in training)
 * @param inferenceSteps  DDIM schedule length n; the chain runs its last floor(n·strength) steps
 * @param strength        how far z₀ is diffused: z_T at the first kept timestep (img2img's strength)
 * @param condition       mask conditioning ô = o + σ(o·cᵀ)·c at the U-Net's middle (ablation: off)
 * @param maskChannels    hidden channels of the mask encoder f_mask
 * @param skip            the inter-coder connection: E's features concatenated into D (ablation: off)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CicldModelConfig(
        @JsonProperty("stem_stride") int stemStride,
        @JsonProperty("encoder_channels") List<Integer> encoderChannels,
        @JsonProperty("layers_per_block") int layersPerBlock,
        @JsonProperty("norm_num_groups") int normNumGroups,
        @JsonProperty("latent_channels") int latentChannels,
        @JsonProperty("unet") UNet2DConfig unet,
        @JsonProperty("scheduler") SchedulerConfig scheduler,
        @JsonProperty("inference_steps") int inferenceSteps,
        @JsonProperty("strength") double strength,
        @JsonProperty("condition") boolean condition,
        @JsonProperty("mask_channels") int maskChannels,
        @JsonProperty("skip") boolean skip) {

    /** The embedded world (64×128 images): E 16-32-64 from half size to a 4-channel latent at 1/8 (LDM's f8), a two-level U-Net, 2 DDIM steps. */
    public static CicldModelConfig small() {
        UNet2DConfig u = new UNet2DConfig("UNet2DModel", 16, 4, 4, List.of("DownBlock2D", "DownBlock2D"),
                List.of("UpBlock2D", "UpBlock2D"), List.of(32, 64), 1, 16, 8, 1e-5, true, 0, 0.0, 1);
        return new CicldModelConfig(2, List.of(16, 32, 64), 1, 8, 4, u, SchedulerConfig.stableDiffusion().withClassName("DDIMScheduler"),
                10, 0.2, true, 32, true);
    }

    /**
     * The real-scale shape: LDM's KL-f8 autoencoder widths (128-256-512-512, 4 latent channels at
     * 1/8) and a 320-640-1280 U-Net, 50 DDIM steps. Not trainable on the machines diffuda is made on.
     */
    public static CicldModelConfig real() {
        UNet2DConfig u = new UNet2DConfig("UNet2DModel", 64, 4, 4, List.of("DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"),
                List.of("AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"), List.of(320, 640, 1280), 2, 8, 32, 1e-5, true, 0, 0.0, 1);
        return new CicldModelConfig(1, List.of(128, 256, 512, 512), 2, 32, 4, u, SchedulerConfig.stableDiffusion().withClassName("DDIMScheduler"),
                50, 0.2, true, 256, true);
    }

    public CicldModelConfig with(Object... nameValuePairs) {
        return Configs.with(this, nameValuePairs);
    }
}
