package dev.ferry.registry.server;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Whole-blob reads for {@code GET /v2/NAME/blobs/DIGEST}, verified without hashing once per request: every reader
 * of a blob joins the <em>verification pass</em> of that blob that has not finished when it arrives (a helper thread
 * hashing the blob's file), or creates one. A pass starts hashing when one of its readers is half-way through its
 * body (or at its last piece), so that readers arriving over that time, a fleet whose clients start a few hundred
 * milliseconds apart, still share it, while a lone reader finds the verdict ready, or nearly, at its end. A reader
 * sends the file from a direct buffer (no copy through the heap) and holds back its last piece until its pass has
 * found the file to match its digest; on a mismatch it never sends that piece, so no client gets a complete body of
 * a corrupt blob.
 *
 * <p>So a wave of concurrent pulls of one layer (a fleet starting) costs one SHA-256 pass instead of one per client,
 * while a lone pull still gets a pass of its own, run beside its sending on another core. A pass that has finished
 * is never reused: a reader arriving after it creates a new one, so no read relies on a verdict older than itself.
 * The pass and the readers read the same file while they run: what the pass checks is what the wave is sent, short
 * of the file being rewritten in place meanwhile (store blobs are written once, by rename). Thread-safe.
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
  /** The latest pass of each blob being read. Guarded by {@code this}. */
  private final Map<Digest, Pass> passes = new HashMap<>();
  private final ConcurrentLinkedQueue<ByteBuffer> pool = new ConcurrentLinkedQueue<>();
  /** Verification passes: daemon platform threads (CPU-bound work, so not virtual threads). */
  private final ExecutorService hashers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "ferry-registry-verify");
            t.setDaemon(true);
            return t;
          });

  BlobReads(OciStore store) {
    this.store = store;
  }

  /**
   * One verification pass of a blob: created by the first reader that finds none to join, started (once) when a
   * reader of it is half-way through its body or at its last piece, whichever comes first. Until it has finished,
   * later readers join it. Thread-safe.
   */
  private final class Pass {
    final Digest digest;
    final CompletableFuture<Void> verdict = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();

    Pass(Digest digest) {
      this.digest = digest;
    }

    void start() {
      if (started.compareAndSet(false, true)) {
        try {
          hashers.execute(() -> runPass(this));
        } catch (RuntimeException e) {
          finish(this, new IOException("cannot start verifying blob " + digest + ": " + e, e));
        }
      }
    }
  }

  /** One reader's open file and the verdict of the pass it joined. Close it when done. Not thread-safe. */
  final class Read implements AutoCloseable {
    private final Digest digest;
    private final FileChannel file;
    private final Pass pass;
    private final CompletableFuture<Void> verdict;
    private final ByteBuffer buf;
    private boolean closed;

    private Read(Digest digest, FileChannel file, Pass pass) {
      this.digest = digest;
      this.file = file;
      this.pass = pass;
      this.verdict = pass.verdict;
      ByteBuffer b = pool.poll();
      this.buf = b != null ? b : ByteBuffer.allocateDirect(PIECE);
    }

    long size() throws IOException {
      return file.size();
    }

    /**
     * The next piece of the file from {@code offset} (at most {@value #PIECE} bytes, all of them unless the file
     * ends), in a buffer reused by the next call.
     */
    ByteBuffer piece(long offset, int length) throws IOException {
      buf.clear().limit(length);
      while (buf.hasRemaining()) {
        if (file.read(buf, offset + buf.position()) < 0) {
          throw new EOFException("blob " + digest + " ended at byte " + (offset + buf.position()) + " while it was sent");
        }
      }
      return buf.flip();
    }

    /**
     * Tells the pass that this reader has sent half of the blob: time to start hashing, so that the verdict is there
     * when the reader reaches its end (a lone reader barely waits) while readers arriving until then still join it.
     */
    void halfway() {
      pass.start();
    }

    /** Waits for the verification pass (starting it if no reader has yet); throws when the file does not match. */
    void verified() throws IOException {
      pass.start();
      try {
        verdict.get();
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
      if (!closed) {
        closed = true;
        if (pool.size() < POOLED) {
          pool.offer(buf);
        }
        file.close();
      }
    }
  }

  /**
   * Opens {@code digest} for a whole read and joins the running verification pass of it, or starts one.
   *
   * @throws dev.ferry.oci.store.BlobNotFoundException when the store has no such blob
   */
  Read open(Digest digest) throws IOException {
    FileChannel file = store.channel(digest);
    Pass pass;
    synchronized (this) {
      pass = passes.get(digest);
      if (pass == null || pass.verdict.isDone()) {
        pass = new Pass(digest);
        passes.put(digest, pass);
      }
    }
    return new Read(digest, file, pass);
  }

  private void runPass(Pass pass) {
    Digest digest = pass.digest;
    Throwable failure = null;
    try (FileChannel ch = store.channel(digest)) {
      MessageDigest md = digest.algorithm().newMessageDigest();
      byte[] buf = new byte[HASH_CHUNK];
      ByteBuffer bb = ByteBuffer.wrap(buf);
      long at = 0;
      int n;
      while ((n = ch.read(bb.clear(), at)) >= 0) {
        md.update(buf, 0, n);
        at += n;
      }
      Digest actual = Digest.of(digest.algorithm(), md.digest());
      if (!actual.equals(digest)) {
        failure = new DigestMismatchException("blob " + digest + " in the store", digest, actual);
        LOG.log(System.Logger.Level.ERROR, "not serving the end of " + digest + ": " + failure.getMessage());
      }
    } catch (IOException | RuntimeException e) {
      failure = e instanceof IOException ? e : new IOException("verifying blob " + digest + " failed: " + e, e);
    }
    finish(pass, failure);
  }

  private void finish(Pass pass, Throwable failure) {
    synchronized (this) {
      passes.remove(pass.digest, pass);
    }
    if (failure == null) {
      pass.verdict.complete(null);
    } else {
      pass.verdict.completeExceptionally(failure);
    }
  }
}
