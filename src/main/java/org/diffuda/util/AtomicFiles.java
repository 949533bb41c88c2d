package org.diffuda.util;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Files and folders that appear complete or not at all, whatever instant a {@code kill -9} hits.
 *
 * <p>A write goes to {@code .NAME.tmp-PID}; replacing an existing target is two renames: the old
 * one to {@code .NAME.old-PID}, then the new one into place; then the old copy is deleted. So at
 * every instant either the target or a complete {@code .old} copy of it exists, and
 * {@link #recover} (which every writer and every reader of checkpoints calls) puts an orphaned
 * {@code .old} back and deletes leftover temporaries of earlier, killed processes.
 */
public final class AtomicFiles {
    public interface Writer {
        void write(Path tmp) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, Writer writer) {
        try {
            Path abs = target.toAbsolutePath();
            Path parent = abs.getParent();
            Files.createDirectories(parent);
            recover(abs);
            long pid = ProcessHandle.current().pid();
            Path tmp = sibling(abs, "tmp", pid);
            deleteRecursively(tmp);
            try {
                writer.write(tmp);
                fsync(tmp);
                Path old = sibling(abs, "old", pid);
                boolean replacing = Files.exists(abs);
                if (replacing) {
                    deleteRecursively(old);
                    move(abs, old);
                }
                move(tmp, abs);
                if (replacing) {
                    deleteRecursively(old);
                }
            } finally {
                deleteRecursively(tmp);
            }
        } catch (IOException e) {
            // disk full, permissions, a file where a folder should be: the user's to fix, one line
            throw new DiffudaException("cannot write " + target + ": " + ioReason(e), e);
        }
    }

    public static void writeString(Path target, String text) {
        write(target, tmp -> Files.writeString(tmp, text));
    }

    /**
     * Repairs what a killed writer left beside {@code target}: when the target is missing but a
     * complete old copy exists (killed between the two renames), the old copy is put back; every
     * other {@code .NAME.tmp-*} / {@code .NAME.old-*} of a process that is no longer running is
     * deleted. Returns whether the target exists afterwards.
     */
    public static boolean recover(Path target) {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return false;
        }
        try {
            String name = abs.getFileName().toString();
            List<Path> olds = new ArrayList<>(), tmps = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, "." + name + ".*-*")) {
                for (Path p : ds) {
                    String rest = p.getFileName().toString().substring(name.length() + 2);
                    long pid = parsePid(rest);
                    if (pid < 0 || (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))) {
                        continue; // not ours, or a live writer's (another process holding its own lock)
                    }
                    if (rest.startsWith("old-")) {
                        olds.add(p);
                    } else if (rest.startsWith("tmp-")) {
                        tmps.add(p);
                    }
                }
            }
            if (!Files.exists(abs) && !olds.isEmpty()) {
                move(olds.remove(0), abs);
            }
            for (Path p : olds) {
                deleteRecursively(p);
            }
            for (Path p : tmps) {
                if (!p.getFileName().toString().endsWith("-" + ProcessHandle.current().pid())) {
                    deleteRecursively(p);
                }
            }
            return Files.exists(abs);
        } catch (IOException e) {
            throw new DiffudaException("cannot recover " + target + ": " + ioReason(e), e);
        }
    }

    private static long parsePid(String rest) {
        int dash = rest.indexOf('-');
        if (dash < 0 || !(rest.startsWith("old-") || rest.startsWith("tmp-"))) {
            return -1;
        }
        try {
            return Long.parseLong(rest.substring(dash + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Path sibling(Path abs, String kind, long pid) {
        return abs.resolveSibling("." + abs.getFileName() + "." + kind + "-" + pid);
    }

    /** "No space left on device", "Not a directory (/x/y)", ... from an I/O failure. */
    public static String ioReason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            String r = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
            return r + (f.getFile() != null ? " (" + f.getFile() + ")" : "");
        }
        return e.getMessage() != null ? Json.firstLine(e.getMessage()) : e.getClass().getSimpleName();
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Flushes a written file or folder tree to disk before it is renamed into place. */
    private static void fsync(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(f)) {
                    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
        }
    }

    /** Copies the folder {@code from} to {@code to} through a temporary sibling. */
    public static void copyTree(Path from, Path to) {
        write(to, tmp -> {
            try (Stream<Path> walk = Files.walk(from)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Path dst = tmp.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(dst);
                    } else {
                        Files.copy(p, dst);
                    }
                }
            }
        });
    }

    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    /** {@code records} as JSON lines (a manifest), written atomically. */
    public static void writeJsonLines(Path target, java.util.List<?> records) {
        StringBuilder sb = new StringBuilder();
        for (Object r : records) {
            sb.append(Json.compact(r)).append('\n');
        }
        writeString(target, sb.toString());
    }

    /**
     * The names of the complete files ending in {@code suffix} in {@code dir}, from one listing.
     * Files written with {@link #write} appear only whole (a killed writer leaves at most a hidden
     * temporary, which the next write of that file clears), so these are the finished ones.
     */
    public static java.util.Set<String> completeFiles(Path dir, String suffix) throws IOException {
        try (var s = java.nio.file.Files.list(dir)) {
            return s.filter(java.nio.file.Files::isRegularFile).map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(suffix) && !n.startsWith(".")).collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
        }
    }
}
