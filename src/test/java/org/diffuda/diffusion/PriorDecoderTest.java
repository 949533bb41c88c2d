package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.diffuda.data.bench.Benchmark;
import org.diffuda.data.bench.BenchmarkConfig;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.prior.CaptionedImages;
import org.diffuda.diffusion.prior.EmbeddedPrior;
import org.diffuda.nn.ParamNames;
import org.diffuda.util.Engines;
import org.diffuda.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriorDecoderTest {

    /** The latent space must not move (the pipeline's U-Net and ControlNets were trained in it); the decoder must get better. */
    @Test
    void decoderFinetuneKeepsTheEncoderAndLowersTheReconstructionError(@TempDir Path tmp) {
        Progress.setQuiet(true);
        Benchmark.make(tmp.resolve("b"), BenchmarkConfig.tiny());
        Engines.seed(5);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.save(tmp.resolve("sd"), PipelineIoTest.tiny(m), false);
        }
        EmbeddedPrior.finetuneDecoder(tmp.resolve("sd"), tmp.resolve("b/prior"), tmp.resolve("ft"), 25, 3e-3, 0);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion before = PipelineFolder.load(tmp.resolve("sd"), m);
            PipelineFolder.StableDiffusion after = PipelineFolder.load(tmp.resolve("ft"), m);
            Map<String, ai.djl.nn.Parameter> a = ParamNames.of(before.vae());
            Map<String, ai.djl.nn.Parameter> b = ParamNames.of(after.vae());
            boolean decoderMoved = false;
            for (String k : a.keySet()) {
                // saved in half precision: compare what the fp16 round trip keeps
                float[] x = a.get(k).getArray().toType(ai.djl.ndarray.types.DataType.FLOAT16, false)
                        .toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
                float[] y = b.get(k).getArray().toFloatArray();
                if (k.startsWith("decoder.") || k.startsWith("post_quant_conv.")) {
                    decoderMoved |= !Arrays.equals(x, y);
                } else {
                    assertArrayEquals(x, y, k + " is part of the encoder and must not move");
                }
            }
            assertTrue(decoderMoved, "the decoder was trained");
            int[] size = TextToImage.imageSize(before);
            var corpus = CaptionedImages.load(tmp.resolve("b/prior"), size[0], size[1]);
            double e0 = EmbeddedPrior.reconstructionMse(before.vae(), corpus.images(), size[0], size[1], m);
            double e1 = EmbeddedPrior.reconstructionMse(after.vae(), corpus.images(), size[0], size[1], m);
            assertTrue(e1 < e0, "reconstruction MSE " + e0 + " -> " + e1);
            assertFalse(Double.isNaN(e1));
        }
    }

    /** A decoder can learn the source domain's images beside the corpus: several sources, in order, each at the training size. */
    @Test
    void imagesComeFromCaptionedFoldersAndDatasetsInOrder(@TempDir Path tmp) {
        Progress.setQuiet(true);
        Benchmark.make(tmp.resolve("b"), BenchmarkConfig.tiny());
        CaptionedImages corpus = CaptionedImages.load(tmp.resolve("b/prior"), 8, 16);
        org.diffuda.data.Dataset real = org.diffuda.data.Datasets.open(tmp.resolve("b/real/train").toString(), new org.diffuda.data.BadInput(false));
        CaptionedImages both = CaptionedImages.loadAll(java.util.List.of(tmp.resolve("b/prior").toString(), tmp.resolve("b/real/train").toString()),
                8, 16, new org.diffuda.data.BadInput(false));
        assertTrue(both.size() == corpus.size() + real.size(), both.size() + " images");
        assertArrayEquals(corpus.images().get(0), both.images().get(0));
        org.diffuda.data.Sample first = real.load(0);
        assertArrayEquals(org.diffuda.data.Transforms.bilinear(first.image(), first.height(), first.width(), 8, 16),
                both.images().get(corpus.size()), "the dataset's images follow the corpus', resized like it");
        assertTrue(both.captions().get(corpus.size()).isEmpty());
        org.diffuda.util.DiffudaException e = org.junit.jupiter.api.Assertions.assertThrows(org.diffuda.util.DiffudaException.class,
                () -> CaptionedImages.loadAll(java.util.List.of(tmp.resolve("nowhere").toString()), 8, 16, new org.diffuda.data.BadInput(false)));
        assertTrue(e.getMessage().startsWith("--data ") && e.getMessage().contains("nowhere"), e.getMessage());
    }
}
