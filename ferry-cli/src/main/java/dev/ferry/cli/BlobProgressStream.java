package dev.ferry.cli;

import dev.ferry.oci.Digest;
import dev.ferry.oci.io.DigestingSink;
import dev.ferry.oci.store.OciStore;
import java.io.FilterOutputStream;
import java.io.IOException;

/**
 * The stream a layer writer writes a new blob through: counts bytes for progress, reports the store writer's digest
 * (so the layer writer does not hash the blob a second time), and leaves closing or committing to the blob's owner.
 * Not thread-safe.
 */
final class BlobProgressStream extends FilterOutputStream implements DigestingSink {
  private final OciStore.BlobWriter blob;
  private final Progress progress;

  BlobProgressStream(OciStore.BlobWriter blob, Progress progress) {
    super(blob);
    this.blob = blob;
    this.progress = progress;
  }

  @Override
  public Digest digestSoFar() {
    return blob.digestSoFar();
  }

  @Override
  public long count() {
    return blob.count();
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    progress.add(len);
  }

  @Override
  public void close() {
    // The blob writer is committed or closed by its owner, not by the layer writer.
  }
}
