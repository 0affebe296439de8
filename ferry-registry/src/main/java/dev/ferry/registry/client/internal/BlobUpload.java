package dev.ferry.registry.client.internal;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.registry.RegistryException;
import dev.ferry.registry.client.BlobOpener;
import dev.ferry.registry.client.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts one blob from a store (or any {@link BlobOpener}) into a registry repository: HEAD first (skip when present), then a cross-repository
 * mount when a source repository is known, else an upload — monolithic ({@code POST} then {@code PUT ?digest=}
 * with the body) for small blobs, chunked ({@code PATCH} with {@code Content-Range}, then {@code PUT}) for large
 * ones. After a dropped connection during a chunk the upload's status ({@code GET} on its URL) says how much the
 * registry holds and the upload continues from there; a registry that cannot say (distribution 2.8 cancels an
 * upload whose session token is stale) gets the upload started over. Stateless.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs">pushing blobs</a>
 */
public final class BlobUpload {
  /** What became of a blob. */
  public enum Result {
    EXISTED,
    MOUNTED,
    UPLOADED
  }

  /** What became of a blob and how many of its bytes were sent (resends included). */
  public record Outcome(Result result, long bytesSent) {}

  private static final Pattern RANGE = Pattern.compile("(?:bytes=)?(\\d+)-(\\d+)");
  /** Upload sessions started over at most this many times before giving up. */
  private static final int MAX_RESTARTS = 3;

  private final Transport t;
  private final String repository;
  private final Descriptor blob;
  private final BlobOpener store;
  private final ProgressListener progress;
  private final long monolithicLimit;
  private final long chunkSize;
  private final String what;
  private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();

  private BlobUpload(
      Transport t, String repository, Descriptor blob, BlobOpener store, ProgressListener progress, long monolithicLimit, long chunkSize) {
    this.monolithicLimit = monolithicLimit;
    this.t = t;
    this.repository = repository;
    this.blob = blob;
    this.store = store;
    this.progress = progress;
    this.chunkSize = chunkSize;
    this.what = "push blob " + blob.digest() + " to " + repository;
  }

  /**
   * Makes {@code blob} present in {@code repository}.
   *
   * @param mountFrom a repository of the same registry that has the blob, if known
   * @param monolithicLimit blobs up to this size go in one {@code PUT}
   * @param chunkSize larger blobs go in {@code PATCH} requests of at most this size
   */
  public static Outcome put(
      Transport t,
      String repository,
      Descriptor blob,
      BlobOpener store,
      Optional<String> mountFrom,
      long monolithicLimit,
      long chunkSize,
      ProgressListener progress)
      throws IOException {
    BlobUpload u = new BlobUpload(t, repository, blob, store, progress, monolithicLimit, chunkSize);
    Result r = u.run(mountFrom);
    return new Outcome(r, u.sent.get());
  }

  /** Whether {@code repository} has {@code digest} (HEAD 200). */
  public static boolean exists(Transport t, String repository, Digest digest) throws IOException {
    try (Transport.Response r =
        t.call("HEAD", repository + "/blobs/" + digest, "check blob " + digest + " in " + repository)
            .scopes(Transport.pushScope(repository))
            .expect(200, 404)) {
      return r.status() == 200;
    }
  }

  private Result run(Optional<String> mountFrom) throws IOException {
    if (exists(t, repository, blob.digest())) {
      t.counters().blobsExisting.increment();
      return Result.EXISTED;
    }
    String location;
    if (mountFrom.isPresent() && !mountFrom.get().equals(repository)) {
      String from = mountFrom.get();
      try (Transport.Response r =
          t.call("POST", repository + "/blobs/uploads/?mount=" + blob.digest() + "&from=" + from, "mount blob " + blob.digest() + " from " + from + " into " + repository)
              .scopes(Transport.pushScope(repository), Transport.pullScope(from))
              .expect(201, 202)) {
        if (r.status() == 201) {
          t.counters().blobsMounted.increment();
          return Result.MOUNTED;
        }
        location = location(r);
      }
    } else {
      location = startSession();
    }
    for (int restarts = 0; ; restarts++) {
      try {
        if (blob.size() <= monolithicLimit) {
          monolithic(location);
        } else {
          chunked(location);
        }
        t.counters().blobsUploaded.increment();
        return Result.UPLOADED;
      } catch (Restart r) {
        if (restarts + 1 >= MAX_RESTARTS) {
          throw new RegistryException(
              what + " on " + t.registry() + ": the connection dropped " + MAX_RESTARTS + " times and the registry could not resume ("
                  + r.getMessage() + ")", 0, Optional.empty(), true, r.getCause());
        }
        t.counters().uploadRestarts.increment();
        progress.restarted(blob);
        progress.note("upload of " + blob.digest().shortHex() + " starts over: " + r.getMessage());
        t.backoff(what, restarts + 1);
        location = startSession();
      }
    }
  }

  /** Thrown inside an attempt when the session is lost and the upload must start over. */
  private static final class Restart extends Exception {
    private static final long serialVersionUID = 1L;

    Restart(String why, Throwable cause) {
      super(why, cause);
    }
  }

  private String startSession() throws IOException {
    try (Transport.Response r =
        t.call("POST", repository + "/blobs/uploads/", "start upload of " + blob.digest() + " to " + repository)
            .scopes(Transport.pushScope(repository))
            .expect(202)) {
      return location(r);
    }
  }

  private String location(Transport.Response r) throws IOException {
    String loc = r.header("Location").orElseThrow(
        () -> new RegistryException(what + " on " + t.registry() + ": upload answer without Location", r.status(), Optional.empty(), false));
    // Relative or absolute; relative ones are relative to the request.
    return r.uri().resolve(loc).toString();
  }

  private static String withDigest(String location, Digest d) {
    return location + (location.contains("?") ? "&" : "?") + "digest=" + d;
  }

  private void monolithic(String location) throws IOException, Restart {
    BlobCursor cursor = new BlobCursor();
    try {
      Transport.Response r;
      try {
        r = t.call("PUT", withDigest(location, blob.digest()), what)
            .scopes(Transport.pushScope(repository))
            .header("Content-Type", "application/octet-stream")
            .body(() -> cursor.publisher(0, blob.size(), true))
            .noRetry()
            .send();
      } catch (IOException e) {
        rethrowIntegrity(e);
        if (e instanceof RegistryException re && !re.retryable()) {
          throw e;
        }
        throw new Restart("connection dropped during a one-request upload: " + Transport.describe(e), e);
      }
      finish(r);
    } finally {
      cursor.close();
    }
  }

  private void chunked(String startLocation) throws IOException, Restart {
    String location = startLocation;
    long offset = 0;
    int failuresWithoutProgress = 0;
    BlobCursor cursor = new BlobCursor();
    try {
      while (offset < blob.size()) {
        long len = Math.min(chunkSize, blob.size() - offset);
        long from = offset;
        try (Transport.Response r =
            t.call("PATCH", location, what)
                .scopes(Transport.pushScope(repository))
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", from + "-" + (from + len - 1))
                .body(() -> cursor.publisher(from, len, false))
                .noRetry()
                .send()) {
          if (r.status() != 202) {
            throw t.failure(t.call("PATCH", location, what + " (chunk at " + from + ")"), r);
          }
          location = location(r);
          offset = from + len;
          failuresWithoutProgress = 0;
        } catch (IOException e) {
          rethrowIntegrity(e);
          if (e instanceof RegistryException re && re.status() != 0) {
            throw e;
          }
          failuresWithoutProgress++;
          if (failuresWithoutProgress >= t.retryPolicy().maxAttempts()) {
            throw new RegistryException(
                what + " on " + t.registry() + ": the connection dropped " + failuresWithoutProgress
                    + " times without progress at byte " + offset + " (" + Transport.describe(e) + ")",
                0, Optional.empty(), true, e);
          }
          t.backoff(what, failuresWithoutProgress);
          offset = committed(location, offset, e);
          t.counters().uploadResumes.increment();
          progress.note("resuming upload of " + blob.digest().shortHex() + " at byte " + offset);
        }
      }
      cursor.verifyEnd();
      Transport.Response r;
      try {
        r = t.call("PUT", withDigest(location, blob.digest()), what)
            .scopes(Transport.pushScope(repository))
            .send();
      } catch (IOException e) {
        if (e instanceof RegistryException re && re.status() != 0) {
          throw e;
        }
        throw new Restart("connection dropped while completing the upload", e);
      }
      finish(r);
    } finally {
      cursor.close();
    }
  }

  /** Asks the registry how much of the upload it holds (spec: GET on the upload URL, 204 with Range). */
  private long committed(String location, long weThink, IOException why) throws IOException, Restart {
    Transport.Response r;
    try {
      r = t.call("GET", location, "check upload of " + blob.digest() + " to " + repository)
          .scopes(Transport.pushScope(repository))
          .send();
    } catch (RegistryException e) {
      throw new Restart("the upload status is unavailable: " + e.getMessage(), why);
    }
    try (r) {
      if (r.status() == 404 || r.status() == 400) {
        // distribution 2.8 cancels an upload whose session token (in the URL) no longer matches what it holds.
        throw new Restart("the registry dropped the upload session (" + r.status() + ")", why);
      }
      if (r.status() != 204 && r.status() != 200) {
        throw t.failure(t.call("GET", location, "check upload of " + blob.digest()), r);
      }
      Optional<String> range = r.header("Range");
      long next = 0;
      if (range.isPresent()) {
        Matcher m = RANGE.matcher(range.get().trim());
        if (!m.matches()) {
          throw new Restart("cannot read the upload's Range '" + range.get() + "'", why);
        }
        long end = Long.parseLong(m.group(2));
        // "0-0" means either nothing or one byte; only our own count can tell.
        next = end == 0 && weThink == 0 ? 0 : end + 1;
      }
      if (next > blob.size()) {
        throw new Restart("the registry claims " + next + " bytes of a " + blob.size() + "-byte blob", why);
      }
      return next;
    }
  }

  private void finish(Transport.Response r) throws IOException {
    try (r) {
      if (r.status() != 201 && r.status() != 204) {
        throw t.failure(t.call("PUT", "", what), r);
      }
      Optional<String> got = r.header("Docker-Content-Digest");
      if (got.isPresent() && Digest.isDigest(got.get()) && !Digest.parse(got.get()).equals(blob.digest())) {
        throw new DigestMismatchException("blob pushed to " + t.registry() + "/" + repository, blob.digest(), Digest.parse(got.get()));
      }
    }
  }

  private static void rethrowIntegrity(IOException e) throws IOException {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof DigestMismatchException d) {
        throw d;
      }
    }
  }

  /**
   * Reads the store's blob for the request bodies: sequentially when chunks follow each other, reopening and
   * skipping (hashing as it goes, so the end-of-stream check still covers every byte) when a resend goes back.
   * Not thread-safe; one request body at a time.
   */
  private final class BlobCursor implements AutoCloseable {
    private InputStream in;
    private long position;

    HttpRequest.BodyPublisher publisher(long from, long len, boolean toEnd) {
      HttpRequest.BodyPublisher p = HttpRequest.BodyPublishers.ofInputStream(() -> {
        try {
          return slice(from, len, toEnd);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      return HttpRequest.BodyPublishers.fromPublisher(p, len);
    }

    private InputStream slice(long from, long len, boolean toEnd) throws IOException {
      if (in == null || position != from) {
        close();
        in = store.open(blob);
        position = 0;
        byte[] skip = new byte[256 * 1024];
        while (position < from) {
          int n = in.read(skip, 0, (int) Math.min(skip.length, from - position));
          if (n < 0) {
            throw new IOException("blob " + blob.digest() + " in the store ended at " + position);
          }
          position += n;
        }
      }
      InputStream source = in;
      return new InputStream() {
        long left = len;

        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int n) throws IOException {
          if (left == 0) {
            if (toEnd) {
              verifyEnd();
            }
            return -1;
          }
          int r = source.read(b, off, (int) Math.min(n, left));
          if (r < 0) {
            throw new IOException("blob " + blob.digest() + " in the store ended early at " + position);
          }
          left -= r;
          position += r;
          t.counters().bytesUploaded.add(r);
          sent.addAndGet(r);
          progress.transferred(blob, r);
          return r;
        }
      };
    }

    /** Reads past the last byte so that the store's stream checks the digest. */
    void verifyEnd() throws IOException {
      if (in != null && position == blob.size()) {
        if (in.read() >= 0) {
          throw new IOException("blob " + blob.digest() + " in the store is longer than " + blob.size());
        }
      }
    }

    @Override
    public void close() throws IOException {
      if (in != null) {
        in.close();
        in = null;
      }
    }
  }
}
