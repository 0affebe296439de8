package dev.ferry.build.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The step cache in a store: a record blob per step ({@link Record} as JSON, in the store so that gc can keep it) and
 * a file {@code .ferry/build-cache/<key hex>} holding the record's digest. Writes are atomic (temp file and rename);
 * concurrent builds may race on one key and the last writer wins, which is harmless since both records describe the
 * same step. Thread-safe.
 */
public final class StepCache {
  /** The media type of a record blob. */
  public static final String RECORD_MEDIA_TYPE = "application/vnd.ferry.build.cache.v1+json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final OciStore store;
  private final Path dir;

  /**
   * One cached step: the layer it produced (none for a WORKDIR that created nothing or a RUN that changed nothing)
   * and its history text.
   *
   * @param layer the layer blob's descriptor
   * @param diffId the layer's uncompressed digest
   * @param createdBy the history {@code created_by}
   */
  public record Record(Optional<Descriptor> layer, Optional<Digest> diffId, String createdBy) {}

  public StepCache(OciStore store) throws IOException {
    this.store = store;
    this.dir = store.privateDirectory("build-cache");
  }

  /** The record for {@code key} when there is one whose layer is still in the store. */
  public Optional<Record> lookup(Digest key) throws IOException {
    String digest;
    try {
      digest = Files.readString(dir.resolve(key.hex()), StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    Digest d;
    try {
      d = Digest.parse(digest);
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // a damaged entry is a miss; the next store overwrites it
    }
    if (!store.exists(d)) {
      return Optional.empty();
    }
    Record r = decode(store.read(d));
    if (r.layer().isPresent() && !store.exists(r.layer().get().digest())) {
      return Optional.empty();
    }
    return Optional.of(r);
  }

  /** Records the outcome of the step {@code key}. */
  public void store(Digest key, Record record) throws IOException {
    Descriptor blob = store.put(RECORD_MEDIA_TYPE, encode(record));
    Path tmp = Files.createTempFile(dir, ".entry", ".tmp");
    try {
      Files.writeString(tmp, blob.digest() + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, dir.resolve(key.hex()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Every record blob and every layer a record names: what gc must keep. */
  public static Set<Digest> roots(OciStore store) throws IOException {
    Set<Digest> out = new LinkedHashSet<>();
    Path dir = store.privateDirectory("build-cache");
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (p.getFileName().toString().startsWith(".")) {
          continue;
        }
        try {
          Digest d = Digest.parse(Files.readString(p, StandardCharsets.UTF_8).strip());
          if (!store.exists(d)) {
            continue;
          }
          out.add(d);
          decode(store.read(d)).layer().ifPresent(l -> out.add(l.digest()));
        } catch (IllegalArgumentException | IOException e) {
          // A damaged or half-deleted entry keeps nothing; lookups treat it as a miss.
        }
      }
    }
    return out;
  }

  static byte[] encode(Record r) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("schemaVersion", 1);
    n.put("createdBy", r.createdBy());
    r.layer().ifPresent(l -> {
      ObjectNode ln = n.putObject("layer");
      ln.put("mediaType", l.mediaType());
      ln.put("digest", l.digest().toString());
      ln.put("size", l.size());
      ln.put("diffId", r.diffId().orElseThrow().toString());
    });
    return JSON.writeValueAsBytes(n);
  }

  static Record decode(byte[] bytes) throws IOException {
    JsonNode n = JSON.readTree(bytes);
    JsonNode l = n.get("layer");
    if (l == null || l.isNull()) {
      return new Record(Optional.empty(), Optional.empty(), n.path("createdBy").asText(""));
    }
    Descriptor d = Descriptor.of(l.path("mediaType").asText(), Digest.parse(l.path("digest").asText()),
        l.path("size").asLong());
    return new Record(Optional.of(d), Optional.of(Digest.parse(l.path("diffId").asText())),
        n.path("createdBy").asText(""));
  }
}
