package dev.ferry.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Nullable;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Blob upload sessions kept on disk in the store ({@code .ferry/registry/uploads/<uuid>.data} and {@code .json}),
 * so that an upload survives a server restart. Bytes are appended through {@link OciStore#resumeBlob}, which hashes
 * them on the way to disk; the finished blob is committed by an atomic rename, never copied. While the server runs,
 * a session's writer stays open between requests so the hash is computed once; after a restart (or
 * {@link #closeIdle}) the first request re-reads the bytes already received to rebuild the hash. Thread-safe:
 * requests on one session are serialised.
 */
final class Uploads implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  /** Large enough that a 256 MiB layer is ~1000 writes; the store buffers the same amount again. */

  private final OciStore store;
  private final Path dir;
  private final Clock clock;
  private final long maxBlobSize;
  private final Map<String, Session> open = new ConcurrentHashMap<>();

  Uploads(OciStore store, Clock clock, long maxBlobSize) throws IOException {
    this.store = store;
    this.dir = store.privateDirectory(RegistryState.COMPONENT).resolve("uploads");
    Files.createDirectories(dir);
    this.clock = clock;
    this.maxBlobSize = maxBlobSize;
  }

  /** One upload; its lock serialises requests on it. */
  static final class Session {
    final String id;
    final String repositoryKey;
    final ReentrantLock lock = new ReentrantLock();
    OciStore.@Nullable BlobWriter writer;
    volatile Instant lastUsed;

    Session(String id, String repositoryKey, Instant now) {
      this.id = id;
      this.repositoryKey = repositoryKey;
      this.lastUsed = now;
    }
  }

  private Path data(String id) {
    return dir.resolve(id + ".data");
  }

  private Path meta(String id) {
    return dir.resolve(id + ".json");
  }

  /** Starts an empty upload into {@code repositoryKey}. */
  Session create(String repositoryKey) throws IOException {
    String id = UUID.randomUUID().toString();
    Files.write(data(id), new byte[0]);
    Files.write(meta(id), JSON.writeValueAsBytes(Map.of("repository", repositoryKey, "started", clock.instant().toString())));
    Session s = new Session(id, repositoryKey, clock.instant());
    open.put(id, s);
    return s;
  }

  /**
   * The upload {@code id} of {@code repositoryKey}, from memory or from disk after a restart.
   *
   * @throws HttpError {@code BLOB_UPLOAD_UNKNOWN} when there is none (or it belongs to another repository)
   */
  Session find(String repositoryKey, String id) throws IOException {
    if (!ID.matcher(id).matches()) {
      throw new HttpError(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + id + " is not a session id");
    }
    Session s = open.get(id);
    if (s == null) {
      JsonNode m;
      try {
        m = JSON.readTree(Files.readAllBytes(meta(id)));
      } catch (NoSuchFileException e) {
        throw new HttpError(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + id + " is unknown (finished, cancelled or expired)");
      }
      Session fresh = new Session(id, m.path("repository").asText(), clock.instant());
      s = open.computeIfAbsent(id, k -> fresh);
    }
    if (!s.repositoryKey.equals(repositoryKey)) {
      throw new HttpError(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + id + " belongs to another repository");
    }
    return s;
  }

  /** Bytes received so far. Call with the session's lock held. */
  long offset(Session s) throws IOException {
    if (s.writer != null) {
      return s.writer.count();
    }
    try {
      return Files.size(data(s.id));
    } catch (NoSuchFileException e) {
      throw new HttpError(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + s.id + " is gone");
    }
  }

  /**
   * Appends {@code body} to the upload. {@code start}, when the client sent a Content-Range, must be the current
   * offset (the spec's 416 otherwise). Bytes that arrived before a broken connection are kept. Call with the
   * session's lock held. Returns the new offset.
   */
  long append(Session s, Body body, long start) throws IOException {
    OciStore.BlobWriter w = writer(s);
    if (start >= 0 && start != w.count()) {
      throw new HttpError(ErrorCode.RANGE_INVALID, "chunk starts at " + start + " but the upload has " + w.count() + " bytes")
          .header("Range", range(w.count()))
          .header("Location", null);
    }
    try {
      body.forEach(b -> {
        if (w.count() + b.remaining() > maxBlobSize) {
          throw new HttpError(ErrorCode.SIZE_INVALID, "blob is larger than this server's limit of " + maxBlobSize + " bytes")
              .status(413);
        }
        w.write(b);
      });
    } finally {
      w.flush();
      s.lastUsed = clock.instant();
    }
    return w.count();
  }


  /**
   * Finishes the upload: the bytes must hash to {@code expected}. On success the blob is in the store and the
   * session gone; on a mismatch nothing is kept and the session is gone too (the spec's {@code DIGEST_INVALID}).
   * Call with the session's lock held, inside a store session.
   */
  void commit(Session s, Digest expected) throws IOException {
    OciStore.BlobWriter w = writer(s);
    s.writer = null;
    try {
      w.commit(expected, -1);
    } finally {
      remove(s);
    }
  }

  /** Cancels the upload and deletes what it received. Call with the session's lock held. */
  void cancel(Session s) throws IOException {
    if (s.writer != null) {
      s.writer.close();
      s.writer = null;
    }
    Files.deleteIfExists(data(s.id));
    remove(s);
  }

  private void remove(Session s) throws IOException {
    open.remove(s.id);
    Files.deleteIfExists(meta(s.id));
  }

  private OciStore.BlobWriter writer(Session s) throws IOException {
    if (s.writer == null) {
      if (!Files.exists(meta(s.id))) {
        throw new HttpError(ErrorCode.BLOB_UPLOAD_UNKNOWN, "upload " + s.id + " is gone");
      }
      s.writer = store.resumeBlob(data(s.id));
    }
    return s.writer;
  }

  static String range(long size) {
    // The spec's Range is inclusive; an empty upload is "0-0" (what distribution sends).
    return "0-" + Math.max(0, size - 1);
  }

  /** Closes writers idle for longer than {@code idle}; their bytes stay on disk for a later request. */
  void closeIdle(Duration idle) {
    Instant cutoff = clock.instant().minus(idle);
    for (Session s : open.values()) {
      if (s.lastUsed.isBefore(cutoff) && s.lock.tryLock()) {
        try {
          if (s.writer != null) {
            s.writer.close();
            s.writer = null;
          }
          open.remove(s.id, s);
        } catch (IOException e) {
          // The next request reopens it.
        } finally {
          s.lock.unlock();
        }
      }
    }
  }

  /** Deletes sessions untouched for longer than {@code age} (abandoned uploads); returns how many. */
  int purge(Duration age) throws IOException {
    Instant cutoff = clock.instant().minus(age);
    int n = 0;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String name = p.getFileName().toString();
        if (name.endsWith(".json") && !open.containsKey(name.substring(0, name.length() - 5))) {
          String id = name.substring(0, name.length() - 5);
          Path d = data(id);
          Instant last = Files.exists(d) ? Files.getLastModifiedTime(d).toInstant() : Files.getLastModifiedTime(p).toInstant();
          if (last.isBefore(cutoff)) {
            Files.deleteIfExists(d);
            Files.deleteIfExists(p);
            n++;
          }
        }
      }
    }
    return n;
  }

  /** Closes every open writer, keeping the bytes for the next server on this store. */
  @Override
  public void close() {
    closeIdle(Duration.ofSeconds(-1));
  }
}
