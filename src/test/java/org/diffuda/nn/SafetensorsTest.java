package org.diffuda.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.data.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @Test
    void roundTripKeepsDtypesOrderAndMetadata(@TempDir Path tmp) throws Exception {
        float[] v = {0f, 1f, -2.5f, 65504f, 1e-7f, 3.14159f};
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put("b.weight", Safetensors.Tensor.f32(v, 2, 3));
        t.put("a.half", Safetensors.Tensor.f16(v, 6));
        t.put("c.bf16", Safetensors.Tensor.bf16(v, 3, 2));
        Path f = tmp.resolve("x.safetensors");
        Safetensors.write(f, t, Map.of("format", "pt"));
        var back = Safetensors.read(f);
        assertEquals(java.util.List.of("b.weight", "a.half", "c.bf16"), java.util.List.copyOf(back.tensors().keySet()));
        assertEquals("pt", back.metadata().get("format"));
        assertArrayEquals(v, back.tensors().get("b.weight").toFloats());
        assertArrayEquals(new long[] {3, 2}, back.tensors().get("c.bf16").shape());
        float[] h = back.tensors().get("a.half").toFloats();
        float[] b = back.tensors().get("c.bf16").toFloats();
        for (int i = 0; i < v.length; i++) {
            assertEquals(v[i], h[i], Math.abs(v[i]) * 1e-3 + 1e-7, "f16 " + v[i]);
            assertEquals(v[i], b[i], Math.abs(v[i]) * 8e-3, "bf16 " + v[i]);
        }
        assertEquals(0, (Files.size(f) - 8 - ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()) % 4,
                "data follows an 8-aligned header");
    }

    @Test
    void halfConversionsMatchIeee() {
        assertEquals(0x3C00, Half.fromFloat(1f) & 0xFFFF);
        assertEquals(0xC000, Half.fromFloat(-2f) & 0xFFFF);
        assertEquals(0x7BFF, Half.fromFloat(65504f) & 0xFFFF);
        assertEquals(0x7C00, Half.fromFloat(1e6f) & 0xFFFF);
        assertEquals(0x0001, Half.fromFloat(5.9604645e-8f) & 0xFFFF);
        assertEquals(5.9604645e-8f, Half.toFloat((short) 1));
        assertEquals(1.0009766f, Half.toFloat((short) 0x3C01));
        assertTrue(Float.isNaN(Half.toFloat((short) 0x7E00)));
    }

    @Test
    void corruptHeaderIsAnErrorNamingTheFile(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("bad.safetensors");
        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        var e = assertThrows(DataException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("header length"), e.getMessage());
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}";
        ByteBuffer bb = ByteBuffer.allocate(8 + header.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(header.length()).put(header.getBytes());
        Files.write(f, bb.array());
        e = assertThrows(DataException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains("do not match"), e.getMessage());
    }

    /** Read lazily, a tensor's bytes come from the file when asked for: the same bytes, or a refusal if the file was replaced. */
    @Test
    void lazyReadGivesTheSameBytesAndRefusesAReplacedFile(@TempDir Path tmp) throws Exception {
        Map<String, Safetensors.Tensor> w = new LinkedHashMap<>();
        w.put("a", Safetensors.Tensor.f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        w.put("b", Safetensors.Tensor.f16(new float[] {0.5f, -2f}, 2));
        Path f = tmp.resolve("w.safetensors");
        Safetensors.write(f, w, Map.of());
        Map<String, Safetensors.Tensor> eager = Safetensors.read(f).tensors();
        Map<String, Safetensors.Tensor> lazy = Safetensors.read(f, true).tensors();
        for (String k : w.keySet()) {
            assertArrayEquals(eager.get(k).shape(), lazy.get(k).shape());
            assertEquals(eager.get(k).dtype(), lazy.get(k).dtype());
            assertArrayEquals(eager.get(k).data(), lazy.get(k).data());
            assertArrayEquals(eager.get(k).toFloats(), lazy.get(k).toFloats(), 0f);
        }
        // replaced (a new file renamed over it, as every diffuda write does) before the bytes were read
        Path other = tmp.resolve("other.safetensors");
        Map<String, Safetensors.Tensor> more = new LinkedHashMap<>(w);
        more.put("c", Safetensors.Tensor.f32(new float[] {7}, 1));
        Safetensors.write(other, more, Map.of());
        Files.move(other, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        DataException e = assertThrows(DataException.class, () -> lazy.get("a").data());
        assertTrue(e.getMessage().contains("w.safetensors") && e.getMessage().contains("changed"), e.getMessage());
    }
}
