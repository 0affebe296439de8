package dev.ferry.oci;

import java.util.List;
import java.util.Optional;

/**
 * The media types Ferry understands, OCI image spec 1.1 and Docker image manifest v2.2. Immutable.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/media-types.md">OCI media types</a>
 */
public enum MediaType {
  OCI_MANIFEST("application/vnd.oci.image.manifest.v1+json", Kind.MANIFEST, Compression.NONE),
  OCI_INDEX("application/vnd.oci.image.index.v1+json", Kind.INDEX, Compression.NONE),
  OCI_CONFIG("application/vnd.oci.image.config.v1+json", Kind.CONFIG, Compression.NONE),
  OCI_EMPTY("application/vnd.oci.empty.v1+json", Kind.CONFIG, Compression.NONE),
  OCI_LAYER("application/vnd.oci.image.layer.v1.tar", Kind.LAYER, Compression.NONE),
  OCI_LAYER_GZIP("application/vnd.oci.image.layer.v1.tar+gzip", Kind.LAYER, Compression.GZIP),
  OCI_LAYER_ZSTD("application/vnd.oci.image.layer.v1.tar+zstd", Kind.LAYER, Compression.ZSTD),
  OCI_LAYER_NONDISTRIBUTABLE(
      "application/vnd.oci.image.layer.nondistributable.v1.tar", Kind.FOREIGN_LAYER, Compression.NONE),
  OCI_LAYER_NONDISTRIBUTABLE_GZIP(
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", Kind.FOREIGN_LAYER, Compression.GZIP),
  OCI_LAYER_NONDISTRIBUTABLE_ZSTD(
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", Kind.FOREIGN_LAYER, Compression.ZSTD),
  DOCKER_MANIFEST("application/vnd.docker.distribution.manifest.v2+json", Kind.MANIFEST, Compression.NONE),
  DOCKER_MANIFEST_LIST(
      "application/vnd.docker.distribution.manifest.list.v2+json", Kind.INDEX, Compression.NONE),
  DOCKER_CONFIG("application/vnd.docker.container.image.v1+json", Kind.CONFIG, Compression.NONE),
  DOCKER_LAYER_GZIP("application/vnd.docker.image.rootfs.diff.tar.gzip", Kind.LAYER, Compression.GZIP),
  DOCKER_LAYER_ZSTD("application/vnd.docker.image.rootfs.diff.tar.zstd", Kind.LAYER, Compression.ZSTD),
  DOCKER_LAYER("application/vnd.docker.image.rootfs.diff.tar", Kind.LAYER, Compression.NONE),
  DOCKER_FOREIGN_LAYER(
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", Kind.FOREIGN_LAYER, Compression.GZIP);

  /** What role a blob of this type plays. */
  public enum Kind {
    MANIFEST,
    INDEX,
    CONFIG,
    LAYER,
    FOREIGN_LAYER
  }

  /** How a layer's tar stream is compressed. */
  public enum Compression {
    NONE,
    GZIP,
    ZSTD
  }

  private final String value;
  private final Kind kind;
  private final Compression compression;

  MediaType(String value, Kind kind, Compression compression) {
    this.value = value;
    this.kind = kind;
    this.compression = compression;
  }

  /** The wire string, e.g. {@code application/vnd.oci.image.manifest.v1+json}. */
  public String value() {
    return value;
  }

  public Kind kind() {
    return kind;
  }

  public Compression compression() {
    return compression;
  }

  public boolean isManifest() {
    return kind == Kind.MANIFEST;
  }

  public boolean isIndex() {
    return kind == Kind.INDEX;
  }

  public boolean isLayer() {
    return kind == Kind.LAYER || kind == Kind.FOREIGN_LAYER;
  }

  public boolean isDocker() {
    return value.startsWith("application/vnd.docker.");
  }

  /** The known type with this wire string, if any. Parameters after {@code ;} are ignored. */
  public static Optional<MediaType> find(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String bare = value;
    int semi = bare.indexOf(';');
    if (semi >= 0) {
      bare = bare.substring(0, semi);
    }
    bare = bare.trim();
    for (MediaType t : values()) {
      if (t.value.equals(bare)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /**
   * The known type with this wire string.
   *
   * @throws IllegalArgumentException naming the bad value and listing the supported ones
   */
  public static MediaType parse(String value) {
    return find(value)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unsupported media type '" + value + "'; supported: " + String.join(", ", supported())));
  }

  /** Every wire string Ferry understands. */
  public static List<String> supported() {
    return java.util.Arrays.stream(values()).map(MediaType::value).toList();
  }

  /** The layer media type of the same family (OCI or Docker) with the given compression. */
  public static MediaType ociLayer(Compression compression) {
    return switch (compression) {
      case NONE -> OCI_LAYER;
      case GZIP -> OCI_LAYER_GZIP;
      case ZSTD -> OCI_LAYER_ZSTD;
    };
  }

  @Override
  public String toString() {
    return value;
  }
}
