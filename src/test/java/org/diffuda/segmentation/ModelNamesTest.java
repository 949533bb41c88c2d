package org.diffuda.segmentation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Set;
import org.diffuda.nn.ParamNames;
import org.diffuda.segmentation.models.SegModelConfig;
import org.diffuda.segmentation.models.SegModels;
import org.diffuda.segmentation.models.Segmenter;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;

class ModelNamesTest {
    @Test
    void resnetKeysFollowTorchvision() {
        var keys = ParamNames.of(SegModels.build(new SegModelConfig("deeplabv3plus", "resnet50", 8, 19, 8, 16, List.of(1, 2), 0))).keySet();
        for (String k : List.of("backbone.conv1.weight", "backbone.bn1.running_var", "backbone.layer1.0.downsample.0.weight",
                "backbone.layer3.5.conv3.weight", "backbone.layer4.2.bn3.bias", "decode_head.image_pool.1.conv.weight",
                "decode_head.aspp_modules.1.depthwise_conv.conv.weight", "decode_head.c1_bottleneck.bn.weight",
                "decode_head.sep_bottleneck.1.pointwise_conv.bn.running_mean", "decode_head.conv_seg.bias")) {
            assertTrue(keys.contains(k), k + " missing from " + keys.size() + " keys");
        }
        // torchvision resnet50: 53 conv/bn pairs + fc; without fc: 53 convs, 53 bns × 4 tensors
        long backbone = keys.stream().filter(k -> k.startsWith("backbone.")).count();
        assertEquals(53 + 53 * 4, backbone);
    }

    @Test
    void mitKeysFollowSegFormerAndDaformer() {
        var keys = ParamNames.of(SegModels.build(SegModelConfig.smallDaformer())).keySet();
        for (String k : List.of("backbone.patch_embed1.proj.weight", "backbone.patch_embed4.norm.bias",
                "backbone.block1.0.attn.sr.weight", "backbone.block1.1.attn.kv.weight", "backbone.block2.0.mlp.dwconv.dwconv.weight",
                "backbone.block4.1.mlp.fc2.bias", "backbone.norm3.weight", "decode_head.embed_layers.3.proj.weight",
                "decode_head.fuse_layer.aspp_modules.2.pointwise_conv.conv.weight", "decode_head.fuse_layer.bottleneck.bn.weight",
                "decode_head.conv_seg.weight")) {
            assertTrue(keys.contains(k), k);
        }
        assertTrue(keys.stream().noneMatch(k -> k.startsWith("backbone.block4.0.attn.sr")), "stage 4 has no spatial reduction");
        Set<String> b5 = ParamNames.of(SegModels.build(SegModelConfig.daformerReal())).keySet();
        assertTrue(b5.contains("backbone.block3.39.mlp.fc1.weight") && !b5.contains("backbone.block3.40.mlp.fc1.weight"), "MiT-B5 has 40 blocks in stage 3");
    }

    @Test
    void bothModelsProduceLogitsAndFeatures() {
        Engines.seed(0);
        try (NDManager m = Engines.engine().newBaseManager()) {
            for (SegModelConfig c : List.of(SegModelConfig.small(), SegModelConfig.smallDaformer())) {
                Segmenter s = SegModels.create(c, m);
                var out = s.run(m.randomUniform(0f, 1f, new Shape(2, 3, 64, 128)), false);
                assertEquals(new Shape(2, 19, 16, 32), out.logits().getShape(), c.arch());
                assertEquals(4, out.features().size());
                assertEquals(new Shape(2, 19, 64, 128), s.logits(m.zeros(new Shape(2, 3, 64, 128)), false).getShape());
            }
        }
    }
}
