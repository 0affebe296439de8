package dev.ferry.registry.server;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.io.DirectBuffers;
import dev.ferry.oci.store.OciStore;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Whole-blob reads for {@code GET /v2/NAME/blobs/DIGEST}, verified without hashing once per request: every reader
 * of a blob joins the <em>verification pass</em> of that blob that has not finished when it arrives, or creates one.
 * A pass is a helper thread hashing the blob's file <em>behind its leading reader</em>: it hashes only what some
 * reader of it has already read, so it lasts as long as its fastest reader's transfer, and every reader arriving
 * over that time (a fleet whose clients start seconds apart, or drift apart over the layers of an image) joins it.
 * A reader sends the file from a direct buffer (no copy through the heap) and holds back its last piece until its
 * pass has found the file to match its digest; on a mismatch it never sends that piece, so no client gets a complete
 * body of a corrupt blob. The leading reader waits at its end only for the pass to hash its last piece.
 *
 * <p>So a wave of concurrent pulls of one layer costs one SHA-256 pass instead of one per client, while a lone pull
 * still gets a pass of its own, run beside its sending on another core. A pass that has finished is never reused: a
 * reader arriving after it creates a new one, so no read relies on a verdict older than itself. A pass whose readers
 * all leave before the end stops where it is. The pass and the readers read the same file while they run: what the
 * pass checks is what the wave is sent, short of the file being rewritten in place meanwhile (store blobs are
 * written once, by rename). Thread-safe.
 */
final class BlobReads {
  private static final System.Logger LOG = System.getLogger(BlobReads.class.getName());
  /**
   * Bytes per read and socket write; also what a reader holds back until its verdict. Large enough for few blocking
   * writes, small enough that 32 readers hold 32 MiB of buffers.
   */
  static final int PIECE = 1 << 20;
  /** Read buffer of a verification pass. */
  private static final int HASH_CHUNK = 1 << 20;
  /** Direct buffers kept for reuse: allocating one zeroes it and leaves its release to the garbage collector. */
  private static final int POOLED = 64;

  private final OciStore store;
  /**
   * Guards {@link #passes} and every pass's reader count and lead. One lock: readers take it once per piece, a few
   * thousand times a second at most.
   */
  private final ReentrantLock lock = new ReentrantLock();
  /** The running pass of each blob being read. Guarded by {@link #lock}. */
  private final Map<Digest, Pass> passes = new HashMap<>();
  private final DirectBuffers buffers = new DirectBuffers(PIECE, POOLED);
  /** Verification passes: daemon platform threads (CPU-bound work, so not virtual threads). */
  private final ExecutorService hashers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "ferry-registry-verify");
            t.setDaemon(true);
            return t;
          });
  private final AtomicLong passesStarted = new AtomicLong();
  private final AtomicLong bytesHashed = new AtomicLong();

  BlobReads(OciStore store) {
    this.store = store;
  }

  /** Passes started so far (for tests and diagnostics). */
  long passesStarted() {
    return passesStarted.get();
  }

  /** Bytes all passes have hashed so far (for tests and diagnostics). */
  long bytesHashed() {
    return bytesHashed.get();
  }

  /** One verification pass of a blob. Readers join it until it has finished or all of them have left. */
  private final class Pass {
    final Digest digest;
    final CompletableFuture<Void> verdict = new CompletableFuture<>();
    /** Signalled when the lead moves or the last reader leaves. */
    final Condition moved = lock.newCondition();
    /** Readers still in the pass. Guarded by {@link #lock}. */
    int readers;
    /** The furthest offset any reader has read to: the pass hashes up to here. Guarded by {@link #lock}. */
    long lead;
    /** Set when the last reader left before the end: the pass stops. Guarded by {@link #lock}. */
    boolean abandoned;

    Pass(Digest digest) {
      this.digest = digest;
    }
  }

  /** One reader's open file and the pass it joined. Close it when done. Not thread-safe. */
  final class Read implements AutoCloseable {
    private final Digest digest;
    private final FileChannel file;
    private final Pass pass;
    private final ByteBuffer buf;
    private boolean closed;

    private Read(Digest digest, FileChannel file, Pass pass, ByteBuffer buf) {
      this.digest = digest;
      this.file = file;
      this.pass = pass;
      this.buf = buf;
    }

    long size() throws IOException {
      return file.size();
    }

    /**
     * The next piece of the file from {@code offset} (at most {@value #PIECE} bytes, all of them unless the file
     * ends), in a buffer reused by the next call. Moves the pass's lead: the pass may now hash this far.
     */
    ByteBuffer piece(long offset, int length) throws IOException {
      buf.clear().limit(length);
      while (buf.hasRemaining()) {
        if (file.read(buf, offset + buf.position()) < 0) {
          throw new EOFException("blob " + digest + " ended at byte " + (offset + buf.position()) + " while it was sent");
        }
      }
      long end = offset + length;
      lock.lock();
      try {
        if (end > pass.lead) {
          pass.lead = end;
          pass.moved.signal();
        }
      } finally {
        lock.unlock();
      }
      return buf.flip();
    }

    /** Waits for the pass to reach the end of the file this reader has read; throws when it does not match. */
    void verified() throws IOException {
      try {
        pass.verdict.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while verifying blob " + digest);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException("verifying blob " + digest + " failed: " + e.getCause(), e.getCause());
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      lock.lock();
      try {
        if (--pass.readers == 0 && !pass.verdict.isDone()) {
          pass.abandoned = true;
          passes.remove(digest, pass);
          pass.moved.signal();
        }
      } finally {
        lock.unlock();
      }
      buffers.give(buf);
      file.close();
    }
  }

  /**
   * Opens {@code digest} for a whole read and joins the running verification pass of it, or starts one.
   *
   * @throws dev.ferry.oci.store.BlobNotFoundException when the store has no such blob
   */
  Read open(Digest digest) throws IOException {
    FileChannel file = store.channel(digest);
    ByteBuffer buf;
    try { // before joining a pass: a reader that joins must be able to leave it (close)
      buf = buffers.take();
    } catch (RuntimeException | OutOfMemoryError e) {
      file.close();
      throw e;
    }
    Pass pass;
    boolean created = false;
    lock.lock();
    try {
      pass = passes.get(digest);
      if (pass == null || pass.verdict.isDone()) {
        pass = new Pass(digest);
        passes.put(digest, pass);
        created = true;
      }
      pass.readers++;
    } finally {
      lock.unlock();
    }
    Read read = new Read(digest, file, pass, buf);
    if (created) {
      passesStarted.incrementAndGet();
      Pass p = pass;
      try {
        hashers.execute(() -> runPass(p));
      } catch (RuntimeException e) {
        finish(p, new IOException("cannot start verifying blob " + digest + ": " + e, e));
      }
    }
    return read;
  }

  private void runPass(Pass pass) {
    Digest digest = pass.digest;
    Throwable failure = null;
    try (FileChannel ch = store.channel(digest)) {
      long size = ch.size();
      MessageDigest md = digest.algorithm().newMessageDigest();
      byte[] buf = new byte[HASH_CHUNK];
      ByteBuffer bb = ByteBuffer.wrap(buf);
      long at = 0;
      while (at < size) {
        long upTo = awaitLead(pass, at);
        if (upTo < 0) {
          return; // every reader left: nobody waits for this verdict
        }
        while (at < upTo) {
          int n = ch.read(bb.clear().limit((int) Math.min(HASH_CHUNK, upTo - at)), at);
          if (n < 0) {
            throw new EOFException("blob " + digest + " ended at byte " + at + " while it was verified");
          }
          md.update(buf, 0, n);
          at += n;
          bytesHashed.addAndGet(n);
        }
      }
      if (ch.read(bb.clear().limit(1), at) > 0) {
        throw new IOException("blob " + digest + " grew while it was verified");
      }
      Digest actual = Digest.of(digest.algorithm(), md.digest());
      if (!actual.equals(digest)) {
        failure = new DigestMismatchException("blob " + digest + " in the store", digest, actual);
        LOG.log(System.Logger.Level.ERROR, "not serving the end of " + digest + ": " + failure.getMessage());
      }
    } catch (InterruptedException e) {
      failure = new InterruptedIOException("verifying blob " + digest + " was interrupted");
    } catch (IOException | RuntimeException e) {
      failure = e instanceof IOException ? e : new IOException("verifying blob " + digest + " failed: " + e, e);
    }
    finish(pass, failure);
  }

  /** Waits until a reader of {@code pass} has read past {@code at}; returns how far, or -1 once all have left. */
  private long awaitLead(Pass pass, long at) throws InterruptedException {
    lock.lock();
    try {
      while (pass.lead <= at && !pass.abandoned) {
        pass.moved.await();
      }
      if (pass.abandoned) {
        pass.verdict.cancel(false);
        return -1;
      }
      return pass.lead;
    } finally {
      lock.unlock();
    }
  }

  private void finish(Pass pass, Throwable failure) {
    lock.lock();
    try {
      passes.remove(pass.digest, pass);
    } finally {
      lock.unlock();
    }
    if (failure == null) {
      pass.verdict.complete(null);
    } else {
      pass.verdict.completeExceptionally(failure);
    }
  }
}
