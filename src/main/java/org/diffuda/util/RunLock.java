package org.diffuda.util;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on an output folder ({@code DIR/.lock}, an OS file lock: released when the
 * process ends, however it ends), so two runs never write one folder at once. A run that fails
 * before writing anything leaves no folder behind.
 */
public final class RunLock implements AutoCloseable {
    private static final String FILE = ".lock";
    private final Path dir;
    private final boolean created;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path dir, boolean created, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.created = created;
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code dir} (created if needed) or fails with one line naming it and the holder. */
    public static RunLock acquire(Path dir, String what) {
        Path file = dir.resolve(FILE);
        try {
            boolean created = !Files.isDirectory(dir);
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this JVM
            }
            if (l == null) {
                String holder = "";
                try {
                    holder = Files.readString(file, StandardCharsets.UTF_8).trim();
                } catch (IOException ignored) {
                    // the holder's pid is a courtesy
                }
                ch.close();
                throw new DiffudaException(what + " " + dir + ": in use by another run" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + "; wait for it to finish or choose another folder");
            }
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            return new RunLock(dir, created, ch, l);
        } catch (IOException e) {
            throw new DiffudaException(what + " " + dir + ": cannot lock (" + e.getMessage() + ")");
        }
    }

    @Override
    public void close() {
        try {
            boolean empty = false;
            if (created) {
                try (var s = Files.list(dir)) {
                    empty = s.allMatch(p -> p.getFileName().toString().equals(FILE));
                }
            }
            if (empty) {
                Files.deleteIfExists(dir.resolve(FILE));
            }
            lock.release();
            channel.close();
            if (empty) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
