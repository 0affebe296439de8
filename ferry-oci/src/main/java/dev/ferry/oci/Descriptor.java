package dev.ferry.oci;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An OCI content descriptor: what a blob is, its digest and size, and optional annotations, platform, artifact
 * type and URLs. Immutable.
 *
 * <p>The media type is kept as its wire string so that artifacts of any type can be described;
 * {@link #knownMediaType()} maps it to a {@link MediaType} when Ferry knows it.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/descriptor.md">OCI descriptor</a>
 */
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Map<String, String> annotations,
    Optional<Platform> platform,
    Optional<String> artifactType,
    List<String> urls) {

  /** The annotation that names an image in an OCI layout's {@code index.json}. */
  public static final String REF_NAME = "org.opencontainers.image.ref.name";

  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    if (mediaType.isBlank()) {
      throw new IllegalArgumentException("descriptor media type must not be empty (digest " + digest + ")");
    }
    if (size < 0) {
      throw new IllegalArgumentException("descriptor size must be >= 0, got " + size + " for " + digest);
    }
    annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    platform = platform == null ? Optional.empty() : platform;
    artifactType = artifactType == null ? Optional.empty() : artifactType;
    urls = urls == null ? List.of() : List.copyOf(urls);
  }

  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, Map.of(), Optional.empty(), Optional.empty(), List.of());
  }

  public static Descriptor of(MediaType mediaType, Digest digest, long size) {
    return of(mediaType.value(), digest, size);
  }

  public Optional<MediaType> knownMediaType() {
    return MediaType.find(mediaType);
  }

  /** The value of {@link #REF_NAME}, if set. */
  public Optional<String> refName() {
    return Optional.ofNullable(annotations.get(REF_NAME));
  }

  public Descriptor withAnnotations(Map<String, String> newAnnotations) {
    return new Descriptor(mediaType, digest, size, newAnnotations, platform, artifactType, urls);
  }

  /** A copy with one annotation set (or removed when {@code value} is null). */
  public Descriptor withAnnotation(String key, String value) {
    Map<String, String> a = new TreeMap<>(annotations);
    if (value == null) {
      a.remove(key);
    } else {
      a.put(key, value);
    }
    return withAnnotations(a);
  }

  public Descriptor withPlatform(Platform p) {
    return new Descriptor(mediaType, digest, size, annotations, Optional.ofNullable(p), artifactType, urls);
  }

  public Descriptor withMediaType(String type) {
    return new Descriptor(type, digest, size, annotations, platform, artifactType, urls);
  }

  public boolean isIndex() {
    return knownMediaType().map(MediaType::isIndex).orElse(false);
  }

  public boolean isManifest() {
    return knownMediaType().map(MediaType::isManifest).orElse(false);
  }
}
