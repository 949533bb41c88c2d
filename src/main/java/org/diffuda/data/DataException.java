package org.diffuda.data;

import java.nio.file.Path;
import org.diffuda.util.DiffudaException;

/** Bad input data: names the file and what is wrong with it. */
public class DataException extends DiffudaException {
    private final Path file;
    private final String what;

    public DataException(Path file, String what) {
        super(file + ": " + what);
        this.file = file;
        this.what = what;
    }

    /** What is wrong with {@link #file}, without the file. */
    public String what() {
        return what;
    }

    public Path file() {
        return file;
    }
}
