package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.AutoencoderKL;
import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.models.CLIPTextConfig;
import org.diffuda.diffusion.models.CLIPTextModel;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.models.UNet2DConditionModel;
import org.diffuda.diffusion.pipelines.SamplingHook;
import org.diffuda.diffusion.pipelines.TextToImage;
import org.diffuda.diffusion.schedulers.SchedulerConfig;
import org.diffuda.diffusion.text.ClipTokenizer;
import org.diffuda.nn.StateDict;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class PipelineIoTest {
    static final UNet2DConditionConfig UNET = new UNet2DConditionConfig("UNet2DConditionModel", 4, 4, 4,
            List.of("CrossAttnDownBlock2D", "DownBlock2D"), List.of("UpBlock2D", "CrossAttnUpBlock2D"), List.of(16, 32), 1, 2, 32,
            8, 1e-5, true, 0, null, null);
    static final AutoencoderKLConfig VAE = new AutoencoderKLConfig("AutoencoderKL", 3, 3, 4, List.of(8, 16), 1, 4, 16, 0.5);

    public static PipelineFolder.StableDiffusion tiny(NDManager m) {
        ClipTokenizer tok = ClipTokenizer.forCorpus(List.of("a photo of a car", "driving at night"), 8);
        CLIPTextConfig tc = CLIPTextConfig.small(tok.vocabSize(), tok.id(ClipTokenizer.BOS), tok.id(ClipTokenizer.EOS));
        tc = new CLIPTextConfig(tc.architectures(), tc.modelType(), tc.vocabSize(), 32, 64, 1, 2, 8, "quick_gelu", 1e-5,
                tc.bosTokenId(), tc.eosTokenId(), tc.padTokenId());
        return new PipelineFolder.StableDiffusion(new UNet2DConditionModel(UNET).init(m), new AutoencoderKL(VAE).init(m),
                new CLIPTextModel(tc).init(m), tok, SchedulerConfig.ddpm().withClassName("DDIMScheduler"),
                new ControlNetModel(UNET.asControlNet(3, List.of(4, 8))).init(m));
    }

    @Test
    void folderRoundTripIsBitExact(@TempDir Path tmp) throws Exception {
        Engines.seed(3);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = tiny(m);
            PipelineFolder.save(tmp.resolve("sd"), p, false);
            for (String f : List.of("model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors",
                    "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors", "tokenizer/vocab.json",
                    "tokenizer/merges.txt", "scheduler/scheduler_config.json", "controlnet/config.json")) {
                assertTrue(Files.isRegularFile(tmp.resolve("sd").resolve(f)), f);
            }
            PipelineFolder.StableDiffusion q = PipelineFolder.load(tmp.resolve("sd"), m);
            same(p.unet(), q.unet(), 0);
            same(p.vae(), q.vae(), 0);
            same(p.textEncoder(), q.textEncoder(), 0);
            same(p.controlnet(), q.controlnet(), 0);
            assertArrayEquals(p.tokenizer().encode("a photo of a car"), q.tokenizer().encode("a photo of a car"));
            assertEquals(p.scheduler(), q.scheduler());
            PipelineFolder.save(tmp.resolve("half"), p, true);
            same(p.unet(), PipelineFolder.load(tmp.resolve("half"), m).unet(), 1e-3f);
        }
    }

    /** Large checkpoints come sharded (weight_map index) and as fp16 variants; both load as diffusers loads them. */
    @Test
    void shardedWeightsAndVariantsLoad(@TempDir Path tmp) throws Exception {
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = tiny(m);
            Path sd = tmp.resolve("sd");
            PipelineFolder.save(sd, p, false);
            // the U-Net only as an fp16 variant
            Path unet = sd.resolve("unet");
            PipelineFolder.save(tmp.resolve("half"), p, true);
            Files.delete(unet.resolve("diffusion_pytorch_model.safetensors"));
            Files.copy(tmp.resolve("half/unet/diffusion_pytorch_model.safetensors"), unet.resolve("diffusion_pytorch_model.fp16.safetensors"));
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> PipelineFolder.load(sd, m));
            assertTrue(e.getMessage().contains("--variant fp16"), e.getMessage());
            // the VAE in two shards with a diffusers index (fp16 variant naming)
            Path vae = sd.resolve("vae");
            var all = org.diffuda.nn.Safetensors.read(vae.resolve("diffusion_pytorch_model.safetensors")).tensors();
            Files.delete(vae.resolve("diffusion_pytorch_model.safetensors"));
            java.util.Map<String, org.diffuda.nn.Safetensors.Tensor> a = new java.util.TreeMap<>(), b = new java.util.TreeMap<>();
            StringBuilder map = new StringBuilder();
            int i = 0;
            for (var en : all.entrySet()) {
                String shard = i++ % 2 == 0 ? "diffusion_pytorch_model.fp16-00001-of-00002.safetensors"
                        : "diffusion_pytorch_model.fp16-00002-of-00002.safetensors";
                (shard.contains("00001") ? a : b).put(en.getKey(), en.getValue());
                map.append(map.length() == 0 ? "" : ",").append('"').append(en.getKey()).append("\":\"").append(shard).append('"');
            }
            org.diffuda.nn.Safetensors.write(vae.resolve("diffusion_pytorch_model.fp16-00001-of-00002.safetensors"), a, java.util.Map.of());
            org.diffuda.nn.Safetensors.write(vae.resolve("diffusion_pytorch_model.fp16-00002-of-00002.safetensors"), b, java.util.Map.of());
            Files.writeString(vae.resolve("diffusion_pytorch_model.safetensors.index.fp16.json"),
                    "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {" + map + "}}");
            // the text encoder keeps only its full-precision file: a variant falls back to nothing, so give it one too
            Files.copy(sd.resolve("text_encoder/model.safetensors"), sd.resolve("text_encoder/model.fp16.safetensors"));
            Files.copy(sd.resolve("controlnet/diffusion_pytorch_model.safetensors"), sd.resolve("controlnet/diffusion_pytorch_model.fp16.safetensors"));
            PipelineFolder.StableDiffusion q = PipelineFolder.load(sd, m, "fp16");
            same(p.vae(), q.vae(), 0);
            same(p.unet(), q.unet(), 1e-3f);
            same(p.textEncoder(), q.textEncoder(), 0);
        }
    }

    static void same(ai.djl.nn.Block a, ai.djl.nn.Block b, float tol) {
        var sa = StateDict.of(a);
        var sb = StateDict.of(b);
        assertEquals(sa.keySet(), sb.keySet());
        for (String k : sa.keySet()) {
            if (tol == 0) {
                assertArrayEquals(sa.get(k).data(), sb.get(k).data(), k);
            } else {
                float[] x = sa.get(k).toFloats(), y = sb.get(k).toFloats();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(x[i], y[i], tol * Math.max(1, Math.abs(x[i])), k);
                }
            }
        }
    }

    @Test
    void wrongComponentWeightsAreOneErrorListingKeys(@TempDir Path tmp) throws Exception {
        Engines.seed(3);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.save(tmp.resolve("sd"), tiny(m), false);
            // a VAE of another shape written over the real one
            AutoencoderKL other = new AutoencoderKL(new AutoencoderKLConfig("AutoencoderKL", 3, 3, 4, List.of(8, 8), 1, 4, 16, 0.5)).init(m);
            PipelineFolder.writeComponent(tmp.resolve("sd/vae"), VAE, other, PipelineFolder.DIFFUSERS_WEIGHTS, false);
            var e = assertThrows(DiffudaException.class, () -> PipelineFolder.load(tmp.resolve("sd"), m));
            assertTrue(e.getMessage().contains("vae/diffusion_pytorch_model.safetensors") && e.getMessage().contains("mis-shaped"),
                    e.getMessage());
            Files.delete(tmp.resolve("sd/model_index.json"));
            e = assertThrows(DiffudaException.class, () -> PipelineFolder.load(tmp.resolve("sd"), m));
            assertTrue(e.getMessage().contains("model_index.json"), e.getMessage());
        }
    }

    @Test
    void freshControlNetIsANoOpAndCopiesTheUnet() {
        Engines.seed(4);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = tiny(m);
            ControlNetModel cn = p.controlnet().copyFrom(p.unet());
            assertArrayEquals(StateDict.of(p.unet()).get("down_blocks.0.resnets.0.conv1.weight").data(),
                    StateDict.of(cn).get("down_blocks.0.resnets.0.conv1.weight").data());
            NDArray x = m.randomNormal(new Shape(1, 4, 4, 8));
            NDArray ctx = p.textEncoder().encode(m, new int[][] {p.tokenizer().encode("a photo of a car")}, false);
            float[] t = {500};
            Conditioning c = cn.residuals(x, t, ctx, m.randomUniform(0f, 1f, new Shape(1, 3, 8, 16)), 1f, false); // embedding downsamples 2×, as this VAE
            assertEquals(4, c.downResiduals().size());
            float base = p.unet().predict(x, t, Conditioning.text(ctx), false).abs().sum().getFloat();
            float with = p.unet().predict(x, t, c, false).abs().sum().getFloat();
            assertEquals(base, with, 1e-4 * base, "zero convolutions: the U-Net output is unchanged");
        }
    }

    @Test
    void textToImageShapes() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray img = TextToImage.generate(tiny(m), List.of("driving at night", "a photo of a car"), null,
                    org.diffuda.diffusion.pipelines.DiffusionSampler.Options.of(3).withGuidance(3.0)
                            .withGenerator(org.diffuda.util.Generator.of(5, "test")), m, SamplingHook.NONE);
            assertEquals(new Shape(2, 3, 8, 16), img.getShape());
            assertTrue(img.min().getFloat() >= 0 && img.max().getFloat() <= 1);
        }
    }

    @Test
    void guidedSamplingWithControlNetResiduals() {
        Engines.seed(6);
        try (NDManager m = Engines.engine().newBaseManager()) {
            PipelineFolder.StableDiffusion p = tiny(m);
            NDArray cond = m.randomUniform(0f, 1f, new Shape(1, 3, 8, 16));
            NDArray ctx = p.textEncoder().encode(m, new int[][] {p.tokenizer().encode("driving at night")}, false);
            NDArray unc = p.textEncoder().encode(m, new int[][] {p.tokenizer().encode("")}, false);
            SamplingHook control = new SamplingHook() {
                @Override
                public Conditioning conditioning(int index, int t, NDArray xt, Conditioning c) {
                    return p.controlnet().residuals(xt, new float[] {t}, c.context(), cond, 1f, false);
                }
            };
            var s = org.diffuda.diffusion.schedulers.Scheduler.create(p.scheduler());
            NDArray z = org.diffuda.diffusion.pipelines.DiffusionSampler.generate(p.unet(), s, new Shape(1, 4, 4, 8), m,
                    Conditioning.text(ctx), Conditioning.text(unc),
                    org.diffuda.diffusion.pipelines.DiffusionSampler.Options.of(3).withGuidance(3.0)
                            .withGenerator(org.diffuda.util.Generator.of(6, "test")), control);
            assertEquals(new Shape(1, 4, 4, 8), z.getShape());
        }
    }
}
