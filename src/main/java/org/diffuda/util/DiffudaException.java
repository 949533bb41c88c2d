package org.diffuda.util;

/** A user-facing error: its message is one line naming the file or option and what is wrong. */
public class DiffudaException extends RuntimeException {
    public DiffudaException(String message) {
        super(message);
    }

    public DiffudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
