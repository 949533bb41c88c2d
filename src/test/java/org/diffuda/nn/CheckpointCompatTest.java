package org.diffuda.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.data.DataException;
import org.diffuda.diffusion.models.CLIPTextConfig;
import org.diffuda.diffusion.models.CLIPTextModel;
import org.diffuda.diffusion.models.UNet2DConfig;
import org.diffuda.diffusion.models.UNet2DModel;
import org.diffuda.util.Engines;
import org.diffuda.util.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Published checkpoints load as their reference libraries load them; broken files fail in one line. */
class CheckpointCompatTest {
    @Test
    void clipTextCheckpointsMayCarryPositionIds() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            CLIPTextModel a = new CLIPTextModel(CLIPTextConfig.small(40, 38, 39)).init(m, Generator.of(1, "a"));
            CLIPTextModel b = new CLIPTextModel(CLIPTextConfig.small(40, 38, 39)).init(m, Generator.of(2, "b"));
            Map<String, Safetensors.Tensor> sd = new LinkedHashMap<>(StateDict.of(a));
            long[] ids = new long[16];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i;
            }
            ByteBuffer bb = ByteBuffer.allocate(16 * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (long id : ids) {
                bb.putLong(id);
            }
            // as a real SD-1.x text_encoder/model.safetensors has it: int64 [1, 77] (here 16 positions)
            sd.put("text_model.embeddings.position_ids", new Safetensors.Tensor("I64", new long[] {1, 16}, bb.array()));
            StateDict.load(b, sd, "text_encoder/model.safetensors");
            assertArrayEquals(ParamNames.of(a).get("text_model.embeddings.token_embedding.weight").getArray().toFloatArray(),
                    ParamNames.of(b).get("text_model.embeddings.token_embedding.weight").getArray().toFloatArray());
            // anything else unknown is still an error naming the key
            sd.put("text_model.extra.weight", Safetensors.Tensor.f32(new float[] {1}, 1));
            Exception e = assertThrows(RuntimeException.class, () -> StateDict.load(b, sd, "x.safetensors"));
            assertTrue(e.getMessage().contains("unexpected") && e.getMessage().contains("text_model.extra.weight"), e.getMessage());
        }
    }

    /** pooler_output = the final state at the first end-of-text token (CLIP pads with that token too). */
    @Test
    void clipPooledOutputIsTheEosState() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            CLIPTextModel t = new CLIPTextModel(CLIPTextConfig.small(40, 38, 39)).init(m, Generator.of(1, "a"));
            int[][] ids = new int[3][16];
            int[] eosAt = {2, 5, 15};
            for (int i = 0; i < 3; i++) {
                java.util.Arrays.fill(ids[i], 39);
                ids[i][0] = 38;
                for (int j = 1; j < eosAt[i]; j++) {
                    ids[i][j] = 1 + (i + j) % 30;
                }
            }
            long[] flat = java.util.Arrays.stream(ids).flatMapToInt(java.util.Arrays::stream).asLongStream().toArray();
            ai.djl.ndarray.NDArray idArray = Tensors.create(m, flat, new ai.djl.ndarray.types.Shape(3, 16));
            ai.djl.ndarray.NDList out = t.encodeWithPooled(idArray, false);
            float[] h = out.get(0).toFloatArray(), p = out.get(1).toFloatArray();
            assertEquals(3 * 64, p.length);
            for (int i = 0; i < 3; i++) {
                for (int d = 0; d < 64; d++) {
                    assertEquals(h[(i * 16 + eosAt[i]) * 64 + d], p[i * 64 + d], 0f, "image " + i + " dim " + d);
                }
            }
        }
    }

    @Test
    void pre014AttentionNamesAreRenamedOnLoad() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DModel a = new UNet2DModel(UNet2DConfig.small()).init(m, Generator.of(1, "a"));
            UNet2DModel b = new UNet2DModel(UNet2DConfig.small()).init(m, Generator.of(2, "b"));
            Map<String, Safetensors.Tensor> old = new LinkedHashMap<>();
            int renamed = 0;
            for (Map.Entry<String, Safetensors.Tensor> e : StateDict.of(a).entrySet()) {
                String k = e.getKey().replace(".to_q.", ".query.").replace(".to_k.", ".key.").replace(".to_v.", ".value.")
                        .replace(".to_out.0.", ".proj_attn.");
                renamed += k.equals(e.getKey()) ? 0 : 1;
                old.put(k, e.getValue());
            }
            assertTrue(renamed >= 8, "the small U-Net has attention in a down, the mid and an up block");
            StateDict.load(b, old, "unet/diffusion_pytorch_model.safetensors");
            for (var e : ParamNames.of(a).entrySet()) {
                assertArrayEquals(e.getValue().getArray().toFloatArray(), ParamNames.of(b).get(e.getKey()).getArray().toFloatArray(), e.getKey());
            }
        }
    }

    @Test
    void brokenSafetensorsHeadersAreOneLineErrorsNamingTheTensor(@TempDir Path dir) throws Exception {
        String noDtype = "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}";
        assertMessage(write(dir, "a", noDtype, 8), "w needs \"dtype\"");
        String shared = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertMessage(write(dir, "b", shared, 12), "share bytes");
        String huge = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}";
        assertMessage(write(dir, "c", huge, 8), "more bytes than a file can hold");
        String negative = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}";
        assertMessage(write(dir, "d", negative, 8), "dimensions must be integers >= 0");
        assertMessage(write(dir, "e", "[1, 2]", 0), "not a JSON object");
        // and a good file still reads
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertEquals(List.of("a", "b"), List.copyOf(Safetensors.read(write(dir, "f", ok, 12)).tensors().keySet()));
    }

    private static void assertMessage(Path file, String part) {
        DataException e = assertThrows(DataException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().contains(part) && e.getMessage().startsWith(file.toString()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    private static Path write(Path dir, String name, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = dir.resolve(name + ".safetensors");
        Files.write(f, b.array());
        return f;
    }
}
