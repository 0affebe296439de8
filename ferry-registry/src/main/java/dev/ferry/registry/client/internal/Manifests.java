package dev.ferry.registry.client.internal;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.MediaType;
import dev.ferry.registry.ErrorCode;
import dev.ferry.registry.RegistryException;
import dev.ferry.registry.client.internal.json.RegistryJson;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.Optional;

/**
 * Manifest and index requests: GET and HEAD with Accept negotiation, the 4 MiB limit, digest verification against
 * the reference or {@code Docker-Content-Digest}, and PUT of exact bytes. Stateless.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests">pulling manifests</a>
 */
public final class Manifests {
  /** The distribution spec lets registries refuse manifests over 4 MiB; Ferry refuses to read larger ones. */
  public static final int MAX_MANIFEST = 4 * 1024 * 1024;

  /** OCI and Docker v2.2 manifests and indexes, preferred in this order. */
  public static final String ACCEPT = String.join(", ",
      MediaType.OCI_INDEX.value(),
      MediaType.OCI_MANIFEST.value(),
      MediaType.DOCKER_MANIFEST_LIST.value(),
      MediaType.DOCKER_MANIFEST.value());

  /** A fetched manifest or index: exact bytes, the media type it is, and its descriptor. */
  public record Fetched(byte[] bytes, Descriptor descriptor) {
    public boolean isIndex() {
      return descriptor.isIndex();
    }
  }

  private Manifests() {}

  /**
   * GETs {@code tagOrDigest} of {@code repository} and verifies it.
   *
   * @param expectedSize the size a parent index declared, or -1
   */
  public static Fetched get(Transport t, String repository, String tagOrDigest, long expectedSize) throws IOException {
    String what = "pull manifest " + repository + (Digest.isDigest(tagOrDigest) ? "@" : ":") + tagOrDigest;
    byte[] bytes;
    Optional<String> contentType;
    Optional<String> dcd;
    try (Transport.Response r =
        t.call("GET", repository + "/manifests/" + tagOrDigest, what)
            .scopes(Transport.pullScope(repository))
            .header("Accept", ACCEPT)
            .expect(200)) {
      bytes = r.readAll(MAX_MANIFEST, "the manifest " + repository + ":" + tagOrDigest + " on " + t.registry());
      contentType = r.header("Content-Type");
      dcd = r.header("Docker-Content-Digest");
    }
    Digest actual = Digest.sha256(bytes);
    if (Digest.isDigest(tagOrDigest)) {
      Digest asked = Digest.parse(tagOrDigest);
      if (!asked.equals(actual) && asked.algorithm() == actual.algorithm()) {
        throw new DigestMismatchException("manifest " + repository + " from " + t.registry(), asked, actual, "nothing was stored");
      }
    } else if (dcd.isPresent() && Digest.isDigest(dcd.get().trim())) {
      Digest said = Digest.parse(dcd.get().trim());
      if (said.algorithm() == actual.algorithm() && !said.equals(actual)) {
        throw new DigestMismatchException(
            "manifest " + repository + ":" + tagOrDigest + " from " + t.registry() + " (Docker-Content-Digest)", said, actual, "nothing was stored");
      }
    }
    if (expectedSize >= 0 && bytes.length != expectedSize) {
      throw new IOException(what + " on " + t.registry() + ": " + bytes.length + " bytes but the index declares " + expectedSize);
    }
    String type = mediaType(bytes, contentType)
        .orElseThrow(() -> new RegistryException(
            what + " on " + t.registry() + ": not a manifest or index Ferry understands (Content-Type "
                + contentType.orElse("none") + ")", 200, Optional.of(ErrorCode.MANIFEST_INVALID), false));
    return new Fetched(bytes, Descriptor.of(type, actual, bytes.length));
  }

  /** The document's own {@code mediaType} wins over the Content-Type; either must be a known manifest or index type. */
  static Optional<String> mediaType(byte[] bytes, Optional<String> contentType) {
    Optional<String> field = RegistryJson.mediaTypeField(bytes).flatMap(MediaType::find)
        .filter(m -> m.isManifest() || m.isIndex()).map(MediaType::value);
    if (field.isPresent()) {
      return field;
    }
    return contentType.flatMap(MediaType::find).filter(m -> m.isManifest() || m.isIndex()).map(MediaType::value);
  }

  /** HEADs {@code tagOrDigest}; empty on 404. Falls back to GET when the registry sends no digest header. */
  public static Optional<Descriptor> head(Transport t, String repository, String tagOrDigest) throws IOException {
    String what = "check manifest " + repository + (Digest.isDigest(tagOrDigest) ? "@" : ":") + tagOrDigest;
    try (Transport.Response r =
        t.call("HEAD", repository + "/manifests/" + tagOrDigest, what)
            .scopes(Transport.pullScope(repository))
            .header("Accept", ACCEPT)
            .expect(200, 404)) {
      if (r.status() == 404) {
        return Optional.empty();
      }
      Optional<String> dcd = r.header("Docker-Content-Digest").map(String::trim).filter(Digest::isDigest);
      Optional<MediaType> type = r.header("Content-Type").flatMap(MediaType::find);
      long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (dcd.isPresent() && type.isPresent() && size >= 0) {
        return Optional.of(Descriptor.of(type.get(), Digest.parse(dcd.get()), size));
      }
    }
    try {
      return Optional.of(get(t, repository, tagOrDigest, -1).descriptor());
    } catch (RegistryException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** PUTs exact bytes as {@code tagOrDigest} with their media type; checks the digest the registry reports. */
  public static void put(Transport t, String repository, String tagOrDigest, Descriptor d, byte[] bytes) throws IOException {
    String what = "push manifest " + repository + (Digest.isDigest(tagOrDigest) ? "@" : ":") + tagOrDigest;
    try (Transport.Response r =
        t.call("PUT", repository + "/manifests/" + tagOrDigest, what)
            .scopes(Transport.pushScope(repository))
            .header("Content-Type", d.mediaType())
            .body(() -> HttpRequest.BodyPublishers.ofByteArray(bytes))
            .expect(201, 200, 202)) {
      Optional<String> got = r.header("Docker-Content-Digest").map(String::trim).filter(Digest::isDigest);
      if (got.isPresent() && !Digest.parse(got.get()).equals(d.digest())) {
        throw new DigestMismatchException("manifest pushed to " + t.registry() + "/" + repository, d.digest(), Digest.parse(got.get()));
      }
    }
  }
}
