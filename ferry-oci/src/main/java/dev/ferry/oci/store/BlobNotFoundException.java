package dev.ferry.oci.store;

import dev.ferry.oci.Digest;
import java.nio.file.NoSuchFileException;

/** A blob that a name or document refers to is not in the store. */
public final class BlobNotFoundException extends NoSuchFileException {
  private static final long serialVersionUID = 1L;

  private final transient Digest digest;

  public BlobNotFoundException(Digest digest, String where) {
    super("blob " + digest + " is not in the store at " + where + "; pull or import the image again");
    this.digest = digest;
  }

  public Digest digest() {
    return digest;
  }
}
