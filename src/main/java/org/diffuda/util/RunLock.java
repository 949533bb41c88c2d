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
 * process ends, however it ends), so two runs never write one folder at once.
 */
public final class RunLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code dir} (created if needed) or fails with one line naming it and the holder. */
    public static RunLock acquire(Path dir, String what) {
        Path file = dir.resolve(".lock");
        try {
            Files.createDirectories(dir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
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
                        + "; wait for it or choose another folder");
            }
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            return new RunLock(ch, l);
        } catch (IOException e) {
            throw new DiffudaException(what + " " + dir + ": cannot lock (" + e.getMessage() + ")");
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
