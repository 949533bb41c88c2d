package org.diffuda.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.diffuda.util.Engines;
import org.junit.jupiter.api.Test;

/**
 * DJL's PyTorch engine lets libtorch tensors alias JVM memory that the garbage collector frees
 * (see {@link Tensors}). These tests keep every such door shut: the behaviour itself, and a scan
 * of the compiled product for calls that open it.
 */
class TensorsGuardTest {
    /** NDArray methods taking a Number whose backward pass reads the (Java-backed) number. */
    private static final Set<String> SAVED_BY_AUTOGRAD = Set.of("mul", "muli", "div", "divi", "pow", "powi",
            "maximum", "minimum", "rdiv", "rdivi", "rpow", "rpowi");

    @Test
    void scalarProductsKeepTheirGradientThroughAGarbageCollection() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray x = m.ones(new Shape(8));
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engines.engine().newGradientCollector()) {
                NDArray y = Tensors.div(Tensors.mul(x, 3), 0.5).sum();
                churnDirectMemory();
                gc.backward(y);
            }
            assertArrayEquals(new float[] {6, 6, 6, 6, 6, 6, 6, 6}, x.getGradient().toFloatArray());
        }
    }

    @Test
    void arraysMadeFromJavaDataOutliveTheirJavaBuffer() {
        try (NDManager root = Engines.engine().newBaseManager()) {
            NDArray view;
            try (NDManager sub = root.newSubManager()) {
                float[] ones = new float[4096];
                java.util.Arrays.fill(ones, 1f);
                view = Tensors.create(sub, ones, new Shape(64, 64)).reshape(4096);
                view.attach(root);
            }
            churnDirectMemory();
            assertEquals(4096f, view.sum().getFloat());
        }
    }

    @Test
    void copyIntoWritesTheTargetsOwnStorage() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray dst = m.zeros(new Shape(3));
            NDArray other = dst.reshape(3); // a second handle of the same tensor, as a gradient or a view
            try (NDArray src = Tensors.create(m, new float[] {1, 2, 3})) {
                Tensors.copyInto(dst, src);
            }
            churnDirectMemory();
            assertArrayEquals(new float[] {1, 2, 3}, other.toFloatArray());
        }
    }

    @Test
    void theProductNeverLetsLibtorchAliasJavaMemory() throws IOException {
        List<String> offences = new ArrayList<>();
        Path classes = Path.of("target/classes");
        try (Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(p).toString();
                if (name.equals("org/diffuda/nn/Tensors.class")) {
                    continue;
                }
                for (String[] ref : methodRefs(p)) {
                    String owner = ref[0], method = ref[1], desc = ref[2];
                    if (owner.equals("ai/djl/ndarray/NDArray") && SAVED_BY_AUTOGRAD.contains(method)
                            && desc.startsWith("(Ljava/lang/Number;)")) {
                        offences.add(name + ": NDArray." + method + "(Number) — use Tensors." + method);
                    }
                    if (owner.equals("ai/djl/ndarray/NDArray") && method.equals("set") && desc.startsWith("(Ljava/nio/")) {
                        offences.add(name + ": NDArray.set(Buffer) — use Tensors.copyInto");
                    }
                    if (owner.equals("ai/djl/ndarray/NDManager") && method.equals("create") && desc.matches("\\(\\[.*|\\(Ljava/nio/.*")) {
                        offences.add(name + ": NDManager.create(Java data) — use Tensors.create");
                    }
                }
            }
        }
        assertTrue(offences.isEmpty(), String.join("\n", offences));
    }

    /** Fills and frees direct buffers after forcing collections, so freed JVM memory gets reused. */
    static void churnDirectMemory() {
        for (int i = 0; i < 10; i++) {
            System.gc();
            List<java.nio.ByteBuffer> keep = new ArrayList<>();
            for (int j = 0; j < 500; j++) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(64 << (j % 8));
                for (int k = 0; k < b.capacity(); k += 4) {
                    b.putFloat(k, 1234.5f);
                }
                keep.add(b);
            }
        }
    }

    /** (owner, name, descriptor) of every Methodref / InterfaceMethodref in a class file's constant pool. */
    static List<String[]> methodRefs(Path classFile) throws IOException {
        try (InputStream in = Files.newInputStream(classFile); DataInputStream d = new DataInputStream(in)) {
            d.readInt();
            d.readUnsignedShort();
            d.readUnsignedShort();
            int n = d.readUnsignedShort();
            String[] utf8 = new String[n];
            int[] classNames = new int[n];
            int[][] nameAndType = new int[n][];
            int[][] refs = new int[n][];
            for (int i = 1; i < n; i++) {
                int tag = d.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = d.readUTF();
                    case 7, 8, 16, 19, 20 -> classNames[i] = d.readUnsignedShort();
                    case 3, 4 -> d.readInt();
                    case 5, 6 -> {
                        d.readLong();
                        i++;
                    }
                    case 9 -> {
                        d.readUnsignedShort();
                        d.readUnsignedShort();
                    }
                    case 10, 11 -> refs[i] = new int[] {d.readUnsignedShort(), d.readUnsignedShort()};
                    case 12 -> nameAndType[i] = new int[] {d.readUnsignedShort(), d.readUnsignedShort()};
                    case 15 -> {
                        d.readUnsignedByte();
                        d.readUnsignedShort();
                    }
                    case 17, 18 -> {
                        d.readUnsignedShort();
                        d.readUnsignedShort();
                    }
                    default -> throw new IOException(classFile + ": constant pool tag " + tag);
                }
            }
            List<String[]> out = new ArrayList<>();
            for (int[] r : refs) {
                if (r != null) {
                    int[] nt = nameAndType[r[1]];
                    out.add(new String[] {utf8[classNames[r[0]]], utf8[nt[0]], utf8[nt[1]]});
                }
            }
            return out;
        }
    }
}
