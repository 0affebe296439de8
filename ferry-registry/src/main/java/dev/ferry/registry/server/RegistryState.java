package dev.ferry.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The registry server's private state inside a store, under {@code .ferry/registry/}: which blobs and manifests
 * each repository may serve (links), and which manifests refer to which subject (referrers). Thread-safe, and safe
 * for several server processes on one store: every record is a file created or removed atomically.
 *
 * <p>Layout, one directory per repository key ({@code docker.io/library/busybox}):
 *
 * <pre>
 * repositories/&lt;key&gt;/_blobs/sha256/&lt;hex&gt;              a blob pushed or mounted here (mtime = when)
 * repositories/&lt;key&gt;/_manifests/sha256/&lt;hex&gt;          a manifest pushed here; holds its media type
 * repositories/&lt;key&gt;/_referrers/sha256/&lt;subject&gt;/&lt;hex&gt; a manifest whose subject is that digest (descriptor JSON)
 * uploads/&lt;uuid&gt;.json, uploads/&lt;uuid&gt;.data            upload sessions, see {@code Uploads}
 * </pre>
 *
 * <p>Repository path components start with a letter or digit, so the {@code _} directories cannot collide with a
 * nested repository.
 *
 * <h2>Garbage collection</h2>
 *
 * Pushed blobs are not named in {@code index.json} until a manifest is tagged, and manifests pushed by digest (an
 * index's children, signatures, SBOMs) never are. A {@code ferry gc} beside a running server must therefore keep
 * what {@link #gcRoots} returns, computed under gc's lock:
 * {@code GarbageCollector.collect(store, () -> RegistryState.gcRoots(store, Duration.ofHours(1)), dryRun)}. The
 * server records links inside a store session, so a gc cannot slip between a blob's commit and its link.
 */
public final class RegistryState {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String COMPONENT = "registry";

  private final OciStore store;
  private final Path repositories;
  private final Clock clock;

  private RegistryState(OciStore store, Path dir, Clock clock) {
    this.store = store;
    this.repositories = dir.resolve("repositories");
    this.clock = clock;
  }

  static RegistryState of(OciStore store, Clock clock) throws IOException {
    return new RegistryState(store, store.privateDirectory(COMPONENT), clock);
  }

  /**
   * What a garbage collection running beside a registry server must keep: every blob linked into a repository
   * within {@code recent} (pushed or mounted, perhaps not yet referenced by a manifest), every manifest a
   * repository serves by digest, and the blobs and child manifests those manifests reference. Untagged manifests
   * stay until they are deleted through the API ({@code DELETE /v2/<name>/manifests/<digest>}).
   */
  public static Set<Digest> gcRoots(OciStore store, Duration recent) throws IOException {
    return of(store, Clock.systemUTC()).roots(recent);
  }

  Set<Digest> roots(Duration recent) throws IOException {
    Set<Digest> out = new HashSet<>();
    if (!Files.isDirectory(repositories)) {
      return out;
    }
    Instant since = clock.instant().minus(recent);
    List<Digest> manifests = new ArrayList<>();
    try (Stream<Path> s = Files.walk(repositories)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path parent2 = p.getParent() == null ? null : p.getParent().getParent();
        if (parent2 == null || !Files.isRegularFile(p)) {
          continue;
        }
        String kind = parent2.getFileName().toString();
        Optional<Digest> d = digestOf(p.getParent().getFileName().toString(), p.getFileName().toString());
        if (d.isEmpty()) {
          continue;
        }
        if (kind.equals("_manifests")) {
          manifests.add(d.get());
        } else if (kind.equals("_blobs") && modified(p).isAfter(since)) {
          out.add(d.get());
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    for (Digest m : manifests) {
      out.add(m);
      if (!store.exists(m)) {
        continue;
      }
      try {
        byte[] bytes = store.read(m);
        Documents.Parsed doc = Documents.parse(bytes, Optional.empty());
        doc.references().forEach(r -> out.add(r.digest()));
      } catch (IllegalArgumentException e) {
        // Not a document Ferry reads: keep the blob itself, nothing below it.
      }
    }
    return out;
  }

  private static Optional<Digest> digestOf(String algorithm, String hex) {
    String v = algorithm + ":" + hex;
    return Digest.isDigest(v) ? Optional.of(Digest.parse(v)) : Optional.empty();
  }

  private static Instant modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toInstant();
    } catch (IOException e) {
      return Instant.EPOCH;
    }
  }

  // ------------------------------------------------------------------ links

  private Path repo(String key) {
    return repositories.resolve(key);
  }

  private Path blobLink(String key, Digest d) {
    return repo(key).resolve("_blobs").resolve(d.algorithm().id()).resolve(d.hex());
  }

  private Path manifestLink(String key, Digest d) {
    return repo(key).resolve("_manifests").resolve(d.algorithm().id()).resolve(d.hex());
  }

  private Path referrersDir(String key, Digest subject) {
    return repo(key).resolve("_referrers").resolve(subject.algorithm().id()).resolve(subject.hex());
  }

  /** Records that {@code key} may serve blob {@code d}; refreshes the time of an existing link. */
  void linkBlob(String key, Digest d) throws IOException {
    touch(blobLink(key, d), new byte[0]);
  }

  boolean isBlobLinked(String key, Digest d) {
    return Files.isRegularFile(blobLink(key, d));
  }

  boolean unlinkBlob(String key, Digest d) throws IOException {
    return Files.deleteIfExists(blobLink(key, d));
  }

  /** Records that {@code key} serves manifest {@code d} of {@code mediaType}. */
  void linkManifest(String key, Digest d, String mediaType) throws IOException {
    touch(manifestLink(key, d), mediaType.getBytes(StandardCharsets.UTF_8));
  }

  /** The media type recorded when the manifest was pushed, if it is linked. */
  Optional<String> linkedManifest(String key, Digest d) throws IOException {
    try {
      return Optional.of(Files.readString(manifestLink(key, d), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  boolean unlinkManifest(String key, Digest d) throws IOException {
    return Files.deleteIfExists(manifestLink(key, d));
  }

  /** Whether anything was ever linked into the repository. */
  boolean known(String key) {
    return Files.isDirectory(repo(key).resolve("_blobs")) || Files.isDirectory(repo(key).resolve("_manifests"));
  }

  /** Records {@code referrer} (a descriptor of a manifest) as referring to {@code subject}. */
  void addReferrer(String key, Digest subject, Descriptor referrer) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("mediaType", referrer.mediaType());
    n.put("digest", referrer.digest().toString());
    n.put("size", referrer.size());
    referrer.artifactType().ifPresent(t -> n.put("artifactType", t));
    if (!referrer.annotations().isEmpty()) {
      ObjectNode a = n.putObject("annotations");
      referrer.annotations().forEach(a::put);
    }
    touch(referrersDir(key, subject).resolve(referrer.digest().hex()), JSON.writeValueAsBytes(n));
  }

  void removeReferrer(String key, Digest subject, Digest referrer) throws IOException {
    Files.deleteIfExists(referrersDir(key, subject).resolve(referrer.hex()));
  }

  /** The recorded referrers of {@code subject} in {@code key}, as descriptor JSON objects, in digest order. */
  List<JsonNode> referrers(String key, Digest subject) throws IOException {
    Path dir = referrersDir(key, subject);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir).sorted()) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.getFileName().toString().endsWith(".tmp")) {
          continue;
        }
        try {
          out.add(JSON.readTree(Files.readAllBytes(p)));
        } catch (NoSuchFileException e) {
          // Removed by a concurrent delete.
        }
      }
    }
    return out;
  }

  /** Writes {@code bytes} to {@code target} atomically (temp file and rename); the mtime is now. */
  private void touch(Path target, byte[] bytes) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.setLastModifiedTime(tmp, FileTime.from(clock.instant()));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The media type of a stored manifest: its own field, else the type recorded at push, else guessed. */
  static String mediaTypeOf(byte[] bytes, Optional<String> recorded) {
    return Documents.declaredMediaType(bytes).or(() -> recorded).orElseGet(() -> Documents.guessMediaType(bytes));
  }

  /** Walks a repository's tagged images: every manifest, index, config and layer digest they reach. */
  static Set<Digest> reachable(OciStore store, List<Descriptor> tagged) {
    Set<Digest> seen = new HashSet<>();
    List<Descriptor> todo = new ArrayList<>(tagged);
    while (!todo.isEmpty()) {
      Descriptor d = todo.remove(todo.size() - 1);
      if (!seen.add(d.digest()) || !(d.isIndex() || d.isManifest()) || !store.exists(d.digest())) {
        continue;
      }
      try {
        byte[] bytes = store.read(d.digest());
        if (d.isIndex()) {
          todo.addAll(Index.parse(bytes, Optional.of(d.mediaType())).manifests());
        } else {
          Manifest m = Manifest.parse(bytes, Optional.of(d.mediaType()));
          seen.add(m.config().digest());
          m.layers().forEach(l -> seen.add(l.digest()));
        }
      } catch (IOException | IllegalArgumentException e) {
        // A broken image is fsck's business; serve what can be reached.
      }
    }
    return seen;
  }
}
