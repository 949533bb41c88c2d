package org.diffuda.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.diffuda.diffusion.PipelineIoTest;
import org.diffuda.diffusion.io.PipelineFolder;
import org.diffuda.diffusion.models.UNet2DConditionModel;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving copies each tensor's bytes as it is written: the same file as a snapshot, one tensor in the heap at a time. */
public class DeferredWriteTest {
    @Test
    void componentsWrittenFromDeferredTensorsAreTheSnapshotsBytes(@TempDir Path tmp) throws Exception {
        Engines.seed(5);
        try (NDManager m = Engines.engine().newBaseManager()) {
            UNet2DConditionModel u = PipelineIoTest.tiny(m).unet();
            for (boolean half : new boolean[] {false, true}) {
                Path dir = tmp.resolve("unet-" + half);
                PipelineFolder.writeComponent(dir, u.config(), u, PipelineFolder.DIFFUSERS_WEIGHTS, half);
                // the eager way: every tensor copied (and converted) first, then written
                Map<String, Safetensors.Tensor> snap = StateDict.of(u);
                if (half) {
                    snap.replaceAll((k, t) -> Safetensors.Tensor.f16(t.toFloats(), t.shape()));
                }
                Path eager = tmp.resolve("eager-" + half + ".safetensors");
                Safetensors.write(eager, snap, Map.of("format", "pt"));
                assertArrayEquals(Files.readAllBytes(eager), Files.readAllBytes(dir.resolve(PipelineFolder.DIFFUSERS_WEIGHTS)), "half " + half);
            }
        }
    }

    @Test
    void theWriterAsksEachTensorForItsBytesOnceInFileOrder(@TempDir Path tmp) throws Exception {
        List<String> asked = new ArrayList<>();
        Map<String, Safetensors.Tensor> w = new LinkedHashMap<>();
        for (String k : List.of("b", "a", "c")) {
            float[] v = {k.charAt(0), 2, 3};
            w.put(k, Safetensors.Tensor.deferred("F32", new long[] {3}, () -> {
                asked.add(k);
                return Safetensors.Tensor.f32(v, 3).data();
            }));
        }
        assertEquals(List.of(), asked, "building the map reads nothing");
        Path f = tmp.resolve("w.safetensors");
        Safetensors.write(f, w, Map.of());
        assertEquals(List.of("b", "a", "c"), asked);
        Map<String, Safetensors.Tensor> back = Safetensors.read(f).tensors();
        assertArrayEquals(new float[] {'a', 2, 3}, back.get("a").toFloats(), 0f);
        assertEquals(List.of("b", "a", "c"), new ArrayList<>(back.keySet()));
        // bytes that do not fit the declared shape are refused, not written inconsistent
        Map<String, Safetensors.Tensor> bad = Map.of("x", Safetensors.Tensor.deferred("F32", new long[] {4}, () -> new byte[12]));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(tmp.resolve("bad.safetensors"), bad, Map.of()));
    }
}
