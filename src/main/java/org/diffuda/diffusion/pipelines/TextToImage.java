package org.diffuda.diffusion.pipelines;

import org.diffuda.nn.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.schedulers.Scheduler;

/**
 * StableDiffusionPipeline's loop: encode the prompts and the empty prompt, denoise latents from
 * noise with classifier-free guidance, decode with the VAE. Returns images in [0, 1], (N, 3, H, W).
 */
public final class TextToImage {
    private TextToImage() {}

    public static NDArray generate(PipelineFolder.StableDiffusion p, List<String> prompts, int steps, double guidance,
                                   NDManager m, SamplingHook hook) {
        int n = prompts.size();
        NDArray cond = p.textEncoder().encode(m, p.tokenizer().encode(prompts), false);
        List<String> empty = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            empty.add("");
        }
        NDArray uncond = p.textEncoder().encode(m, p.tokenizer().encode(empty), false);
        var uc = p.unet().config();
        Scheduler s = Scheduler.create(p.scheduler());
        int h = uc.sampleSize(), w = latentWidth(p);
        NDArray z = DiffusionSampler.generate(p.unet(), s, new Shape(n, uc.inChannels(), h, w), m, Conditioning.text(cond),
                Conditioning.text(uncond), new DiffusionSampler.Options(steps, guidance, 1.0, false), hook);
        return Tensors.div(p.vae().decode(z, false).add(1f), 2).clip(0f, 1f);
    }

    /** Image {height, width} the pipeline generates. */
    public static int[] imageSize(PipelineFolder.StableDiffusion p) {
        int down = 1 << (p.vae().config().blockOutChannels().size() - 1);
        return new int[] {p.unet().config().sampleSize() * down, latentWidth(p) * down};
    }

    /** Latent width: the VAE's sample aspect (diffuda's prior is 2:1 like Cityscapes). */
    static int latentWidth(PipelineFolder.StableDiffusion p) {
        var vc = p.vae().config();
        int down = 1 << (vc.blockOutChannels().size() - 1);
        int imgH = p.unet().config().sampleSize() * down;
        int imgW = vc.sampleSize();
        return imgW == imgH ? p.unet().config().sampleSize() : imgW / down;
    }
}
