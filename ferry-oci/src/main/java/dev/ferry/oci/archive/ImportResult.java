package dev.ferry.oci.archive;

import java.util.List;

/**
 * What an import did. Immutable.
 *
 * @param images every image in the archive, in archive order, one entry per name (and one for each unnamed image)
 * @param bytesRead archive bytes read, as stored (compressed, when the archive file is)
 * @param blobsWritten blobs streamed into the store (a blob whose identical copy another writer stored meanwhile
 *     counts here too)
 * @param blobsSkipped blobs the store already had, so that the import only read past them
 */
public record ImportResult(List<ImportedImage> images, long bytesRead, int blobsWritten, int blobsSkipped) {
  public ImportResult {
    images = List.copyOf(images);
    if (bytesRead < 0 || blobsWritten < 0 || blobsSkipped < 0) {
      throw new IllegalArgumentException(
          "counts must be >= 0, got bytesRead=" + bytesRead + " blobsWritten=" + blobsWritten + " blobsSkipped=" + blobsSkipped);
    }
  }
}
