package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.models.CLIPTextConfig;
import org.diffuda.diffusion.models.Conditioning;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.nn.ParamNames;
import org.diffuda.util.Configs;
import org.diffuda.util.DiffudaException;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json files are read as diffusers / transformers read them: missing fields take their defaults. */
class ConfigReadTest {
    @Test
    void missingFieldsTakeTheReferenceDefaults(@TempDir Path dir) throws Exception {
        Path vae = Files.writeString(dir.resolve("vae.json"), "{\"_class_name\": \"AutoencoderKL\", \"latent_channels\": 8, \"_diffusers_version\": \"0.30.0\"}");
        AutoencoderKLConfig v = Configs.read(vae, AutoencoderKLConfig.class);
        assertEquals(8, v.latentChannels());
        assertEquals(List.of(64), v.blockOutChannels(), "diffusers' default, not an empty list");
        assertEquals(32, v.normNumGroups());
        assertEquals(0.18215, v.scalingFactor());
        Path clip = Files.writeString(dir.resolve("clip.json"), "{\"hidden_size\": 768, \"num_attention_heads\": 12}");
        CLIPTextConfig c = Configs.read(clip, CLIPTextConfig.class);
        assertEquals(768, c.hiddenSize());
        assertEquals(12, c.numHiddenLayers(), "transformers' default layer count, not 0");
        assertEquals(49407, c.eosTokenId());
        Path cn = Files.writeString(dir.resolve("cn.json"), "{\"_class_name\": \"ControlNetModel\", \"block_out_channels\": [32, 64]}");
        UNet2DConditionConfig u = Configs.read(cn, UNet2DConditionConfig.class);
        assertEquals(3, u.conditioningChannels());
        assertEquals(List.of(16, 32, 96, 256), u.conditioningEmbeddingOutChannels());
        assertEquals(1280, u.crossAttentionDim());
        Path bad = Files.writeString(dir.resolve("bad.json"), "[1, 2]");
        DiffudaException e = assertThrows(DiffudaException.class, () -> Configs.read(bad, UNet2DConfig.class));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
    }

    /** google/ddpm-cifar10-32's config shape: attention_head_dim null (one head), downsample_padding 0. */
    @Test
    void ddpmCifarStyleConfigBuildsAndRuns(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("config.json"), "{\"_class_name\": \"UNet2DModel\", \"act_fn\": \"silu\","
                + " \"attention_head_dim\": null, \"block_out_channels\": [16, 32], \"center_input_sample\": false,"
                + " \"down_block_types\": [\"DownBlock2D\", \"AttnDownBlock2D\"], \"downsample_padding\": 0,"
                + " \"flip_sin_to_cos\": false, \"freq_shift\": 1, \"in_channels\": 3, \"layers_per_block\": 1,"
                + " \"mid_block_scale_factor\": 1, \"norm_eps\": 1e-06, \"norm_num_groups\": 8, \"out_channels\": 3,"
                + " \"sample_size\": 16, \"time_embedding_type\": \"positional\","
                + " \"up_block_types\": [\"AttnUpBlock2D\", \"UpBlock2D\"]}");
        UNet2DConfig c = Configs.read(f, UNet2DConfig.class);
        assertEquals(null, c.attentionHeadDim());
        assertEquals(0, c.downsamplePadding());
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel u = new UNet2DModel(c).init(m, Generator.of(0, "init"));
            assertEquals(new Shape(16, 16, 3, 3), ParamNames.of(u).get("down_blocks.0.downsamplers.0.conv.weight").getArray().getShape());
            NDArray x = Generator.of(0, "x").randn(m, new Shape(1, 3, 16, 16));
            assertEquals(x.getShape(), u.predict(x, new float[] {10}, Conditioning.NONE, false).getShape());
        }
    }
}
