package org.diffuda.data;

/** An indexed collection of images with optional labels in Cityscapes train ids. */
public interface Dataset {
    String name();

    int size();

    String id(int index);

    /** Decodes one sample; throws {@link DataException} naming the file when it is bad. */
    Sample load(int index);

    boolean labelled();
}
