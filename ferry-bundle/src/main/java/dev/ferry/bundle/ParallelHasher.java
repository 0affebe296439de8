package dev.ferry.bundle;

import dev.ferry.oci.Digest;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * SHA-256 of the entries of one sequential stream on several cores: the reading thread copies each entry's bytes
 * into pooled buffers and hands them to one of a few hashing lanes (one entry stays on one lane, in order), so that
 * consecutive entries are hashed at the same time while the reader moves on. Memory is the buffer pool, whatever
 * the entry sizes. Used by the one reading thread only; {@link #close} stops the lanes.
 */
final class ParallelHasher implements AutoCloseable {
  static final int CHUNK = 1 << 20;

  private final List<ExecutorService> lanes = new ArrayList<>();
  private final long[] pending;
  private final BlockingQueue<byte[]> pool;
  private int next;

  ParallelHasher(int lanes, int buffers) {
    for (int i = 0; i < lanes; i++) {
      this.lanes.add(Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ferry-verify-hash");
        t.setDaemon(true);
        return t;
      }));
    }
    this.pending = new long[lanes];
    this.pool = new ArrayBlockingQueue<>(buffers);
    for (int i = 0; i < buffers; i++) {
      pool.add(new byte[CHUNK]);
    }
  }

  /** One entry being hashed. */
  final class Entry {
    private final ExecutorService lane;
    private final MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();

    private Entry(ExecutorService lane) {
      this.lane = lane;
    }

    /** A free buffer to fill (waits while all are in use). */
    byte[] buffer() throws IOException {
      try {
        return pool.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("verification interrupted");
      }
    }

    /** Hashes {@code n} bytes of {@code buf} (from {@link #buffer}) after the earlier ones; the buffer returns to the pool. */
    void add(byte[] buf, int n) {
      lane.execute(() -> {
        md.update(buf, 0, n);
        pool.add(buf);
      });
    }

    /** The digest, once every byte added is hashed. */
    Future<Digest> finish() {
      return lane.submit(() -> Digest.of(Digest.Algorithm.SHA256, md.digest()));
    }
  }

  /** Starts an entry of {@code size} bytes on the least loaded lane. */
  Entry start(long size) {
    int best = next;
    for (int i = 0; i < pending.length; i++) {
      if (pending[i] < pending[best]) {
        best = i;
      }
    }
    next = (best + 1) % pending.length;
    // Rough load: bytes given to a lane, decayed so that finished work stops counting.
    for (int i = 0; i < pending.length; i++) {
      pending[i] /= 2;
    }
    pending[best] += size;
    return new Entry(lanes.get(best));
  }

  static Digest get(Future<Digest> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("verification interrupted");
    } catch (ExecutionException e) {
      throw new IOException("hashing failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void close() {
    lanes.forEach(ExecutorService::shutdownNow);
  }
}
