package dev.ferry.oci.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/** The kinds of image archive Ferry reads and writes, and telling them apart. Thread-safe. */
public enum ArchiveFormat {
  /** {@code docker save} output: {@code manifest.json} at the top level. See {@link DockerArchive}. */
  DOCKER_ARCHIVE,
  /** A tar of an OCI image layout: {@code oci-layout} at the top level. See {@link OciArchive}. */
  OCI_ARCHIVE;

  /**
   * The format of the (optionally gzip- or zstd-compressed) tar at {@code file}. Docker 25+ archives have both
   * {@code manifest.json} and {@code oci-layout}; they count as {@link #DOCKER_ARCHIVE}.
   */
  public static ArchiveFormat detect(Path file) throws IOException {
    return detect(file, DOCKER_ARCHIVE);
  }

  /**
   * As {@link #detect(Path)}, with {@code whenBoth} deciding archives that are both. Reads entry headers only,
   * seeking past data in an uncompressed file; a compressed one is decompressed to the end.
   *
   * @throws CorruptArchiveException when the file is neither, or not a tar
   */
  public static ArchiveFormat detect(Path file, ArchiveFormat whenBoth) throws IOException {
    Objects.requireNonNull(whenBoth, "whenBoth");
    boolean docker = false;
    boolean oci = false;
    try (ArchiveInput in = ArchiveInput.open(file, b -> {})) {
      for (ArchiveInput.Entry e; (e = in.next()) != null && !(docker && oci); ) {
        docker |= e.name().equals("manifest.json");
        oci |= e.name().equals("oci-layout");
      }
      if (docker && oci) {
        return whenBoth;
      }
      if (docker || oci) {
        return docker ? DOCKER_ARCHIVE : OCI_ARCHIVE;
      }
      throw in.invalid(null, "neither manifest.json (docker-archive) nor oci-layout (oci-archive) at the top level");
    }
  }
}
