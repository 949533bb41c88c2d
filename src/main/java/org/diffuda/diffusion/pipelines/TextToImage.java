package org.diffuda.diffusion.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.schedulers.Scheduler;

/**
 * StableDiffusionPipeline / StableDiffusionImg2ImgPipeline / StableDiffusionControlNetPipeline:
 * encode the prompts and the negative prompts (empty by default), denoise latents with
 * classifier-free guidance (a ControlNet in the options runs on both halves), decode with the
 * VAE. Images are in [0, 1], (N, 3, H, W); noise comes from the options' generator.
 */
public final class TextToImage {
    private TextToImage() {}

    public static NDArray generate(PipelineFolder.StableDiffusion p, List<String> prompts, List<String> negativePrompts,
                                   DiffusionSampler.Options o, NDManager m, SamplingHook hook) {
        Conditioning[] cu = encode(p, prompts, negativePrompts, m);
        var uc = p.unet().config();
        Scheduler s = Scheduler.create(p.scheduler());
        int h = uc.sampleSize(), w = latentWidth(p);
        NDArray z = DiffusionSampler.generate(p.unet(), s, new Shape(prompts.size(), uc.inChannels(), h, w), m, cu[0], cu[1], o, hook);
        return LatentCodec.decode(p.vae(), z);
    }

    /** img2img in latent space: encode {@code images} (mode of q(z|x)), noise to the strength, denoise, decode. */
    public static NDArray img2img(PipelineFolder.StableDiffusion p, NDArray images, List<String> prompts,
                                  List<String> negativePrompts, DiffusionSampler.Options o, NDManager m, SamplingHook hook) {
        Conditioning[] cu = encode(p, prompts, negativePrompts, m);
        NDArray z0 = LatentCodec.encode(p.vae(), images, null);
        NDArray z = DiffusionSampler.img2img(p.unet(), Scheduler.create(p.scheduler()), z0, cu[0], cu[1], o, hook);
        return LatentCodec.decode(p.vae(), z);
    }

    /** {conditional, unconditional} text conditioning; negative prompts default to "". */
    public static Conditioning[] encode(PipelineFolder.StableDiffusion p, List<String> prompts, List<String> negativePrompts,
                                        NDManager m) {
        int n = prompts.size();
        List<String> neg = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            neg.add(negativePrompts == null || negativePrompts.isEmpty() ? ""
                    : negativePrompts.size() == 1 ? negativePrompts.get(0) : negativePrompts.get(i));
        }
        if (negativePrompts != null && negativePrompts.size() > 1 && negativePrompts.size() != n) {
            throw new IllegalArgumentException(negativePrompts.size() + " negative prompts for " + n + " prompts");
        }
        NDArray cond = p.textEncoder().encode(m, p.tokenizer().encode(prompts), false);
        NDArray uncond = p.textEncoder().encode(m, p.tokenizer().encode(neg), false);
        return new Conditioning[] {Conditioning.text(cond), Conditioning.text(uncond)};
    }

    /** Image {height, width} the pipeline generates. */
    public static int[] imageSize(PipelineFolder.StableDiffusion p) {
        return imageSize(p.unet().config(), p.vae().config());
    }

    /** The same from a pipeline folder's configs alone (nothing is loaded). */
    public static int[] imageSize(java.nio.file.Path dir) {
        return imageSize(PipelineFolder.config(dir.resolve("unet"), UNet2DConditionConfig.class),
                PipelineFolder.config(dir.resolve("vae"), AutoencoderKLConfig.class));
    }

    /** Latent height × down-sampling, and the VAE's sample aspect for the width (diffuda's prior is 2:1 like Cityscapes). */
    static int[] imageSize(UNet2DConditionConfig uc, AutoencoderKLConfig vc) {
        int down = vc.downsampling();
        int imgH = uc.sampleSize() * down;
        int imgW = vc.sampleSize() == imgH ? imgH : vc.sampleSize();
        return new int[] {imgH, imgW};
    }

    static int latentWidth(PipelineFolder.StableDiffusion p) {
        return imageSize(p)[1] / LatentCodec.downsampling(p.vae());
    }
}
