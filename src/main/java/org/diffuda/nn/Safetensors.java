package org.diffuda.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.diffuda.data.DataException;
import org.diffuda.util.Json;

/**
 * The safetensors format, read and written by diffuda itself: DJL's codec cannot read BF16,
 * I16/U16/U32, files of 2 GiB or more, or keep {@code __metadata__}. The header length is
 * checked against the file, offsets are 64-bit, and each tensor is read on its own.
 */
public final class Safetensors {
    /**
     * A tensor as stored: dtype name (F32, F16, BF16, I64, ...), shape, raw little-endian bytes —
     * held in memory, or made each time {@link #data()} is asked for: read from the file (from
     * {@link #read(Path, boolean)} with {@code lazy}) or copied from a live array ({@link #deferred}),
     * so that loading or saving a model holds one tensor's bytes at a time instead of the whole
     * file's (3.4 GB for Stable Diffusion's U-Net in float32).
     */
    public static final class Tensor {
        private final String dtype;
        private final long[] shape;
        private final byte[] data;
        private final java.util.function.Supplier<byte[]> source;

        public Tensor(String dtype, long[] shape, byte[] data) {
            this(dtype, shape, data, null);
        }

        private Tensor(String dtype, long[] shape, byte[] data, java.util.function.Supplier<byte[]> source) {
            this.dtype = dtype;
            this.shape = shape;
            this.data = data;
            this.source = source;
        }

        /**
         * A tensor whose bytes are made when asked for (each time), for a writer that consumes it
         * at once: what {@code bytes} reads must not change between building and writing.
         */
        public static Tensor deferred(String dtype, long[] shape, java.util.function.Supplier<byte[]> bytes) {
            return new Tensor(dtype, shape, null, bytes);
        }

        /** This tensor as float16, converted when its bytes are asked for (F32 only; others as they are). */
        public Tensor toF16Deferred() {
            return dtype.equals("F32") ? deferred("F16", shape, () -> f16(toFloats(), shape).data()) : this;
        }

        public String dtype() {
            return dtype;
        }

        public long[] shape() {
            return shape;
        }

        /** The raw bytes (read from the file, or copied from the array, now if this tensor is lazy). */
        public byte[] data() {
            return data != null ? data : source.get();
        }

        public long numel() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }

        /** Values widened to float32 (F32, F16, BF16, F64, integer types). */
        public float[] toFloats() {
            int n = Math.toIntExact(numel());
            float[] out = new float[n];
            byte[] data = data();
            ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case "F32" -> b.asFloatBuffer().get(out);
                case "F16" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = Half.toFloat(b.getShort(2 * i));
                    }
                }
                case "BF16" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
                    }
                }
                case "F64" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) b.getDouble(8 * i);
                    }
                }
                case "I64" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = b.getLong(8 * i);
                    }
                }
                case "I32" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = b.getInt(4 * i);
                    }
                }
                case "U8" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = data[i] & 0xFF;
                    }
                }
                default -> throw new IllegalArgumentException("cannot widen " + dtype + " to float");
            }
            return out;
        }

        @Override
        public String toString() {
            return "Tensor[" + dtype + " " + java.util.Arrays.toString(shape) + "]";
        }

        public static Tensor f32(float[] values, long... shape) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            return new Tensor("F32", shape, b.array());
        }

        public static Tensor f16(float[] values, long... shape) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                b.putShort(Half.fromFloat(v));
            }
            return new Tensor("F16", shape, b.array());
        }

        public static Tensor bf16(float[] values, long... shape) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                int bits = Float.floatToRawIntBits(v);
                int rounded = bits + 0x7FFF + ((bits >>> 16) & 1); // round to nearest even
                b.putShort((short) (rounded >>> 16));
            }
            return new Tensor("BF16", shape, b.array());
        }
    }

    /** A file's tensors in stored order and its string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    public static int bytesPer(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    /**
     * Where a lazily read tensor's bytes are: a range of a file, which must still be the file that
     * was validated (same file key and size) when they are read.
     */
    private record Stored(Path file, Object fileKey, long size, long position, int length) implements java.util.function.Supplier<byte[]> {
        @Override
        public byte[] get() {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                Object key = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
                if (ch.size() != size || (fileKey != null && !fileKey.equals(key))) {
                    throw new DataException(file, "changed while its tensors were being read");
                }
                ByteBuffer b = ByteBuffer.allocate(length);
                readFully(ch, b, position);
                return b.array();
            } catch (IOException e) {
                throw new DataException(file, "cannot read safetensors: " + Json.firstLine(e.getMessage()));
            }
        }
    }

    public static Contents read(Path file) {
        return read(file, false);
    }

    /**
     * The file's header, validated whole (dtypes, shapes, offsets, overlaps) before anything is
     * returned; with {@code lazy}, each tensor's bytes are read when asked for, not now.
     */
    public static Contents read(Path file, boolean lazy) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Object fileKey = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            long size = ch.size();
            if (size < 8) {
                throw new DataException(file, "not a safetensors file (shorter than its 8-byte header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new DataException(file, "safetensors header length " + headerLen + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header = Json.MAPPER.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLen;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            if (header == null || !header.isObject()) {
                throw new DataException(file, "safetensors header is not a JSON object");
            }
            java.util.List<long[]> ranges = new java.util.ArrayList<>();
            java.util.List<String> names = new java.util.ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                String name = e.getKey();
                JsonNode t = e.getValue();
                JsonNode dt = t.get("dtype"), sh = t.get("shape"), off = t.get("data_offsets");
                if (!t.isObject() || dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null
                        || !off.isArray() || off.size() != 2) {
                    throw new DataException(file, "tensor " + name + " needs \"dtype\", \"shape\" and a two-element "
                            + "\"data_offsets\" in the header (got " + Json.firstLine(t.toString()) + ")");
                }
                String dtype = dt.asText();
                int per = bytesPer(dtype);
                if (per < 0) {
                    throw new DataException(file, "tensor " + name + " has unknown dtype " + dtype);
                }
                long[] shape = new long[sh.size()];
                long numel = 1;
                try {
                    for (int i = 0; i < shape.length; i++) {
                        if (!sh.get(i).canConvertToLong() || sh.get(i).asLong() < 0) {
                            throw new DataException(file, "tensor " + name + " has shape " + sh + ": dimensions must be integers >= 0");
                        }
                        shape[i] = sh.get(i).asLong();
                        numel = Math.multiplyExact(numel, shape[i]);
                    }
                    numel = Math.multiplyExact(numel, (long) per);
                } catch (ArithmeticException overflow) {
                    throw new DataException(file, "tensor " + name + " has shape " + sh + ", more bytes than a file can hold");
                }
                if (!off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
                    throw new DataException(file, "tensor " + name + " has data_offsets " + off + ": not integers");
                }
                long begin = off.get(0).asLong(), end = off.get(1).asLong();
                if (begin < 0 || end < begin || end - begin != numel || end > size - dataStart) {
                    throw new DataException(file, "tensor " + name + " offsets [" + begin + ", " + end
                            + ") do not match its shape/dtype or the file size");
                }
                if (end - begin > Integer.MAX_VALUE - 16) {
                    throw new DataException(file, "tensor " + name + " is " + (end - begin) + " bytes; one tensor must stay under 2 GiB");
                }
                ranges.add(new long[] {begin, end, ranges.size()});
                names.add(name);
                if (lazy) {
                    tensors.put(name, new Tensor(dtype, shape, null,
                            new Stored(file, fileKey, size, dataStart + begin, (int) (end - begin))));
                } else {
                    ByteBuffer data = ByteBuffer.allocate((int) (end - begin));
                    readFully(ch, data, dataStart + begin);
                    tensors.put(name, new Tensor(dtype, shape, data.array()));
                }
            }
            // the byte ranges of distinct tensors must not overlap (the format's own validation)
            ranges.sort(java.util.Comparator.comparingLong((long[] r) -> r[0]).thenComparingLong(r -> r[1]));
            for (int i = 1; i < ranges.size(); i++) {
                long[] a = ranges.get(i - 1), b = ranges.get(i);
                if (b[0] < a[1] && b[1] > b[0]) {
                    throw new DataException(file, "tensors " + names.get((int) a[2]) + " and " + names.get((int) b[2])
                            + " share bytes [" + b[0] + ", " + Math.min(a[1], b[1]) + ")");
                }
            }
            return new Contents(tensors, meta);
        } catch (IOException e) {
            throw new DataException(file, "cannot read safetensors: " + Json.firstLine(e.getMessage()));
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = Json.MAPPER.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            new java.util.TreeMap<>(metadata).forEach(m::put); // sorted: the same bytes in every JVM (Map.of iterates in a per-JVM order)
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", t.dtype());
            var sh = n.putArray("shape");
            for (long s : t.shape()) {
                sh.add(s);
            }
            long length = t.numel() * bytesPer(t.dtype()); // without reading a file-backed tensor's bytes
            n.putArray("data_offsets").add(offset).add(offset + length);
            offset += length;
        }
        byte[] hb = Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .writeValueAsBytes(header);
        int padded = (hb.length + 7) / 8 * 8;
        byte[] h = new byte[padded];
        java.util.Arrays.fill(h, (byte) ' ');
        System.arraycopy(hb, 0, h, 0, hb.length);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(h);
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                byte[] d = e.getValue().data();
                if (d.length != e.getValue().numel() * bytesPer(e.getValue().dtype())) {
                    throw new IllegalArgumentException("tensor " + e.getKey() + ": " + d.length + " bytes for its shape and dtype");
                }
                out.write(d);
            }
        }
    }
}
