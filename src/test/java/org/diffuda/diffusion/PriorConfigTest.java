package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.prior.EmbeddedPrior;
import org.diffuda.diffusion.prior.PriorConfig;
import org.diffuda.util.Engines;
import org.diffuda.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriorConfigTest {

    /** A prior trained with another VAE and size: its pipeline generates at that size, its U-Net in that latent space. */
    @Test
    void priorTrainsWithTheGivenAutoencoderAndImageSize(@TempDir Path tmp) {
        Progress.setQuiet(true);
        Benchmark.make(tmp.resolve("b"), BenchmarkConfig.tiny());
        AutoencoderKLConfig vae = new AutoencoderKLConfig("AutoencoderKL", 3, 3, 6, List.of(8, 8, 8, 8), 1, 4, 64, 1.0);
        PriorConfig c = org.diffuda.util.Configs.with(PriorConfig.small().withSize(32, 64, vae).withVaeIterations(2)
                .withUnetIterations(2), "vaeBatch", 4);
        EmbeddedPrior.train(tmp.resolve("b/prior"), tmp.resolve("p"), c, 0);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = PipelineFolder.load(tmp.resolve("p"), m);
            assertArrayEquals(new int[] {32, 64}, TextToImage.imageSize(p), "8× down-sampling of a 32×64 prior");
            assertEquals(6, p.unet().config().inChannels(), "the U-Net works in the VAE's 6-channel latent space");
            assertEquals(6, p.vae().config().latentChannels());
            assertEquals(List.of(8, 8, 8, 8), p.vae().config().blockOutChannels());
            var img = TextToImage.generate(p, List.of("driving at night"), null,
                    org.diffuda.diffusion.pipelines.DiffusionSampler.Options.of(2).withGuidance(2.0)
                            .withGenerator(org.diffuda.util.Generator.of(0, "test")), m,
                    org.diffuda.diffusion.pipelines.SamplingHook.NONE);
            assertArrayEquals(new long[] {1, 3, 32, 64}, img.getShape().getShape());
        }
    }
}
