package org.diffuda.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.diffuda.diffusion.models.AutoencoderKL;
import org.diffuda.diffusion.models.AutoencoderKLConfig;
import org.diffuda.diffusion.models.CLIPTextConfig;
import org.diffuda.diffusion.models.CLIPTextModel;
import org.diffuda.diffusion.models.ControlNetModel;
import org.diffuda.diffusion.models.UNet2DConditionConfig;
import org.diffuda.diffusion.models.UNet2DConditionModel;
import org.diffuda.nn.ParamNames;
import org.junit.jupiter.api.Test;

/**
 * Built from Stable Diffusion 1.5's public configs alone (no weights), diffuda's models must have
 * exactly diffusers' / transformers' parameter keys and the published parameter totals
 * (U-Net 859,520,964; VAE 83,653,863; CLIP ViT-L/14 text tower 123,060,480; ControlNet 361,279,120).
 * The expected keys are enumerated here from the libraries' naming, independently of the models.
 */
class Sd15TopologyTest {
    static final List<String> WB = List.of("weight", "bias");

    static void add(List<String> out, String prefix, List<String> leaves, String... names) {
        for (String n : names) {
            for (String l : leaves) {
                out.add(prefix + n + "." + l);
            }
        }
    }

    static void resnet(List<String> out, String p, boolean temb, boolean shortcut) {
        add(out, p, WB, "norm1", "conv1", "norm2", "conv2");
        if (temb) {
            add(out, p, WB, "time_emb_proj");
        }
        if (shortcut) {
            add(out, p, WB, "conv_shortcut");
        }
    }

    static void transformer(List<String> out, String p) {
        add(out, p, WB, "norm", "proj_in", "proj_out");
        String b = p + "transformer_blocks.0.";
        add(out, b, WB, "norm1", "norm2", "norm3", "attn1.to_out.0", "attn2.to_out.0", "ff.net.0.proj", "ff.net.2");
        add(out, b, List.of("weight"), "attn1.to_q", "attn1.to_k", "attn1.to_v", "attn2.to_q", "attn2.to_k", "attn2.to_v");
    }

    static List<String> encoderAndMid(String root, int[] ch, boolean cross) {
        List<String> k = new ArrayList<>();
        add(k, root, WB, "conv_in", "time_embedding.linear_1", "time_embedding.linear_2");
        for (int i = 0; i < 4; i++) {
            String d = root + "down_blocks." + i + ".";
            resnet(k, d + "resnets.0.", true, i > 0 && ch[i] != ch[i - 1]);
            resnet(k, d + "resnets.1.", true, false);
            if (i < 3) {
                transformer(k, d + "attentions.0.");
                transformer(k, d + "attentions.1.");
                add(k, d, WB, "downsamplers.0.conv");
            }
        }
        resnet(k, root + "mid_block.resnets.0.", true, false);
        resnet(k, root + "mid_block.resnets.1.", true, false);
        transformer(k, root + "mid_block.attentions.0.");
        return k;
    }

    static Set<String> expectedUnet() {
        List<String> k = encoderAndMid("", new int[] {320, 640, 1280, 1280}, true);
        for (int i = 0; i < 4; i++) {
            String u = "up_blocks." + i + ".";
            for (int j = 0; j < 3; j++) {
                resnet(k, u + "resnets." + j + ".", true, true);
                if (i > 0) {
                    transformer(k, u + "attentions." + j + ".");
                }
            }
            if (i < 3) {
                add(k, u, WB, "upsamplers.0.conv");
            }
        }
        add(k, "", WB, "conv_norm_out", "conv_out");
        return new TreeSet<>(k);
    }

    static Set<String> expectedVae() {
        List<String> k = new ArrayList<>();
        int[] ch = {128, 256, 512, 512};
        for (String part : List.of("encoder.", "decoder.")) {
            add(k, part, WB, "conv_in", "conv_norm_out", "conv_out");
            resnet(k, part + "mid_block.resnets.0.", false, false);
            resnet(k, part + "mid_block.resnets.1.", false, false);
            add(k, part + "mid_block.attentions.0.", WB, "group_norm", "to_q", "to_k", "to_v", "to_out.0");
        }
        for (int i = 0; i < 4; i++) {
            String d = "encoder.down_blocks." + i + ".";
            resnet(k, d + "resnets.0.", false, i > 0 && ch[i] != ch[i - 1]);
            resnet(k, d + "resnets.1.", false, false);
            if (i < 3) {
                add(k, d, WB, "downsamplers.0.conv");
            }
            String u = "decoder.up_blocks." + i + ".";
            int out = ch[3 - i], in = i == 0 ? 512 : ch[4 - i];
            for (int j = 0; j < 3; j++) {
                resnet(k, u + "resnets." + j + ".", false, j == 0 && in != out);
            }
            if (i < 3) {
                add(k, u, WB, "upsamplers.0.conv");
            }
        }
        add(k, "", WB, "quant_conv", "post_quant_conv");
        return new TreeSet<>(k);
    }

    static Set<String> expectedText() {
        List<String> k = new ArrayList<>();
        k.add("text_model.embeddings.token_embedding.weight");
        k.add("text_model.embeddings.position_embedding.weight");
        for (int i = 0; i < 12; i++) {
            add(k, "text_model.encoder.layers." + i + ".", WB, "self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj",
                    "self_attn.out_proj", "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2");
        }
        add(k, "text_model.", WB, "final_layer_norm");
        return new TreeSet<>(k);
    }

    static Set<String> expectedControlNet() {
        List<String> k = encoderAndMid("", new int[] {320, 640, 1280, 1280}, true);
        add(k, "controlnet_cond_embedding.", WB, "conv_in", "conv_out", "blocks.0", "blocks.1", "blocks.2", "blocks.3", "blocks.4",
                "blocks.5");
        for (int i = 0; i < 12; i++) {
            add(k, "controlnet_down_blocks.", WB, String.valueOf(i));
        }
        add(k, "", WB, "controlnet_mid_block");
        return new TreeSet<>(k);
    }

    static long params(Block b) {
        return ParamNames.of(b).values().stream().mapToLong(p -> p.getShape().size()).sum();
    }

    static void check(Block b, Set<String> expected, long total) {
        Set<String> actual = new TreeSet<>(ParamNames.of(b).keySet());
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertEquals(Set.of(), missing, "missing keys");
        assertEquals(Set.of(), extra, "unexpected keys");
        assertEquals(total, params(b));
    }

    @Test
    void unet() {
        UNet2DConditionModel u = new UNet2DConditionModel(UNet2DConditionConfig.sd15());
        check(u, expectedUnet(), 859_520_964L);
        Map<String, ai.djl.nn.Parameter> p = ParamNames.of(u);
        assertEquals(new ai.djl.ndarray.types.Shape(320, 768), p.get("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight").getShape());
        assertEquals(new ai.djl.ndarray.types.Shape(10240, 1280), p.get("mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight").getShape());
        assertEquals(new ai.djl.ndarray.types.Shape(1280, 2560, 3, 3), p.get("up_blocks.0.resnets.0.conv1.weight").getShape());
    }

    @Test
    void vae() {
        check(new AutoencoderKL(AutoencoderKLConfig.sd15()), expectedVae(), 83_653_863L);
    }

    @Test
    void textEncoder() {
        CLIPTextModel t = new CLIPTextModel(CLIPTextConfig.sd15());
        check(t, expectedText(), 123_060_480L);
        assertEquals(new ai.djl.ndarray.types.Shape(49408, 768), t.tokenEmbedding().getShape());
    }

    @Test
    void controlNet() {
        check(new ControlNetModel(UNet2DConditionConfig.sd15().asControlNet(3, List.of(16, 32, 96, 256))), expectedControlNet(),
                361_279_120L);
    }
}
