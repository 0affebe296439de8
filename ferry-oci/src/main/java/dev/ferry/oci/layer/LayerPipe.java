package dev.ferry.oci.layer;

import dev.ferry.oci.Nullable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Carries a layer's tar bytes from the thread that formats them (the caller of {@link LayerWriter}) to a second
 * thread that compresses, hashes and writes them, through at most {@value #BUFFERS} buffers of {@value #BUFFER}
 * bytes, so memory stays flat and both cores work. The tar bytes can be hashed (the diffID) on the writing side, a
 * whole buffer at a time.
 *
 * <p>The consumer sees exactly the {@code write} calls the producer made, with the same boundaries, not just the
 * same bytes: zstd's output depends on how its input is cut (it compresses large writes in place, which changes
 * its match window), and the layer writer promises the same bytes as its single-threaded predecessor.
 *
 * <p>Failures cross over: when the consumer fails, the producer's next write (or {@link #finish}) throws the
 * consumer's exception; when the producer fails it calls {@link #abort}, which stops the consumer and waits for
 * it. Either way no thread is left behind and the consumer never touches the sink after {@code finish} or {@code
 * abort} returned. The producer side is for one thread; the consumer runs on a thread of its own.
 */
final class LayerPipe extends OutputStream {
  /** Eight buffers: enough slack that neither side waits on short bursts (a run of small files), 8 MiB at most. */
  static final int BUFFERS = 8;
  /** 1 MiB: big enough that hand-over and per-call hashing and compression costs are negligible. */
  static final int BUFFER = 1 << 20;

  /** Where the consumer thread puts the bytes. */
  interface Sink {
    /** Takes {@code len} bytes of {@code b} from {@code off}; {@code b} is reused once this returns. */
    void write(byte[] b, int off, int len) throws IOException;

    /** After the last write: finish the stream (compression trailer). */
    void finish() throws IOException;

    /** After a failure on either side: release resources, write nothing more. Must not throw. */
    void abort();
  }

  /** A buffer and the lengths of the writes it holds, in order. */
  private record Chunk(byte[] bytes, int length, int[] writes, int writeCount) {}

  private final Sink sink;
  private final int bufferSize;
  private final int maxBuffers;
  private final @Nullable MessageDigest tarDigest;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Chunk> full = new ArrayDeque<>();
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();
  private final Thread consumer;
  private int allocated;
  private boolean producerDone;
  private boolean aborted;
  private @Nullable Throwable consumerFailure;
  private boolean consumerExited;
  private byte[] current;
  private int position;
  private int[] writes = new int[64];
  private int writeCount;
  private long count;
  private boolean closed;

  private LayerPipe(Sink sink, @Nullable MessageDigest tarDigest, int bufferSize, int maxBuffers) {
    this.sink = sink;
    this.tarDigest = tarDigest;
    this.bufferSize = bufferSize;
    this.maxBuffers = maxBuffers;
    this.current = new byte[bufferSize];
    this.allocated = 1;
    this.consumer = new Thread(this::consume, "ferry-layer-compress");
    this.consumer.setDaemon(true);
  }

  /** Starts the consumer thread; {@code tarDigest}, when given, hashes every byte written, on the caller's thread. */
  static LayerPipe start(Sink sink, @Nullable MessageDigest tarDigest) {
    return start(sink, tarDigest, BUFFER, BUFFERS);
  }

  static LayerPipe start(Sink sink, @Nullable MessageDigest tarDigest, int bufferSize, int maxBuffers) {
    if (bufferSize < 1 || maxBuffers < 2) {
      throw new IllegalArgumentException("need a buffer size >= 1 and >= 2 buffers, got " + bufferSize + " and " + maxBuffers);
    }
    LayerPipe p = new LayerPipe(sink, tarDigest, bufferSize, maxBuffers);
    p.consumer.start();
    return p;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  /** Passes on one write: copied into the current buffer, or into a buffer of its own when it is bigger. */
  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    if (len > current.length - position && position > 0) {
      handOver();
    }
    if (len > current.length) {
      // Rare (a big in-memory entry): one unpooled buffer for this write alone.
      byte[] own = java.util.Arrays.copyOfRange(b, off, off + len);
      if (tarDigest != null) {
        tarDigest.update(own);
      }
      queue(new Chunk(own, len, new int[] {len}, 1), false);
      count += len;
      return;
    }
    System.arraycopy(b, off, current, position, len);
    position += len;
    if (writeCount == writes.length) {
      writes = java.util.Arrays.copyOf(writes, writeCount * 2);
    }
    writes[writeCount++] = len;
    count += len;
  }

  /** Bytes written so far. */
  long count() {
    return count;
  }

  /** Queues the current buffer for the consumer and takes a free one, waiting while all are in use. */
  private void handOver() throws IOException {
    if (tarDigest != null) {
      tarDigest.update(current, 0, position);
    }
    queue(currentChunk(), true);
  }

  private Chunk currentChunk() {
    Chunk c = new Chunk(current, position, java.util.Arrays.copyOf(writes, writeCount), writeCount);
    writeCount = 0;
    return c;
  }

  private void queue(Chunk c, boolean replaceCurrent) throws IOException {
    lock.lock();
    try {
      throwIfConsumerFailed();
      full.add(c);
      changed.signalAll();
      if (replaceCurrent) {
        while (free.isEmpty() && allocated >= maxBuffers && consumerFailure == null) {
          awaitInterruptibly();
        }
        throwIfConsumerFailed();
        current = free.isEmpty() ? newBuffer() : free.poll();
        position = 0;
      } else {
        // An unpooled buffer still counts against the bound while it waits.
        while (full.size() >= maxBuffers && consumerFailure == null) {
          awaitInterruptibly();
        }
        throwIfConsumerFailed();
      }
    } finally {
      lock.unlock();
    }
  }

  private byte[] newBuffer() {
    allocated++;
    return new byte[bufferSize];
  }

  /**
   * Hands over the rest, waits until the consumer has written and finished everything, and rethrows its failure if
   * it had one. Call once, after the last write.
   */
  void finish() throws IOException {
    ensureOpen();
    boolean ok = false;
    try {
      if (tarDigest != null) {
        tarDigest.update(current, 0, position);
      }
      lock.lock();
      try {
        throwIfConsumerFailed();
        full.add(currentChunk());
        producerDone = true;
        changed.signalAll();
        while (!consumerExited) {
          awaitInterruptibly();
        }
        throwIfConsumerFailed();
      } finally {
        lock.unlock();
      }
      ok = true;
    } finally {
      closed = true;
      if (!ok) {
        stopConsumer();
      }
    }
  }

  /** Stops the consumer after a failure of the producer and waits until it has let go of the sink. Idempotent. */
  void abort() {
    closed = true;
    stopConsumer();
  }

  /** Same as {@link #abort} unless {@link #finish} completed. */
  @Override
  public void close() {
    abort();
  }

  private void stopConsumer() {
    boolean interrupted = false;
    lock.lock();
    try {
      aborted = true;
      changed.signalAll();
      while (!consumerExited) {
        try {
          changed.await();
        } catch (InterruptedException e) {
          interrupted = true; // the consumer stops within one buffer's work; wait for it regardless
        }
      }
    } finally {
      lock.unlock();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("layer pipe already finished or aborted");
    }
  }

  private void awaitInterruptibly() throws InterruptedIOException {
    try {
      changed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing a layer");
    }
  }

  private void throwIfConsumerFailed() throws IOException {
    Throwable t = consumerFailure;
    if (t == null) {
      return;
    }
    if (t instanceof IOException io) {
      throw io;
    }
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IOException("compressing the layer failed: " + t, t);
  }

  // ---------------------------------------------------------------- consumer thread

  private void consume() {
    Throwable failure = null;
    try {
      while (true) {
        Chunk c = take();
        if (c == null) {
          break;
        }
        for (int i = 0, off = 0; i < c.writeCount(); off += c.writes()[i], i++) {
          sink.write(c.bytes(), off, c.writes()[i]);
        }
        giveBack(c.bytes());
      }
      sink.finish();
    } catch (Aborted a) {
      failure = a;
    } catch (Throwable t) {
      failure = t;
    }
    if (failure != null) {
      sink.abort();
    }
    lock.lock();
    try {
      if (failure != null && !(failure instanceof Aborted)) {
        consumerFailure = failure;
      }
      consumerExited = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The next chunk, or null after the producer's last one; throws {@link Aborted} when the producer gave up. */
  private @Nullable Chunk take() {
    lock.lock();
    try {
      while (full.isEmpty() && !producerDone && !aborted) {
        changed.awaitUninterruptibly();
      }
      if (aborted) {
        throw new Aborted();
      }
      return full.poll();
    } finally {
      lock.unlock();
    }
  }

  private void giveBack(byte[] b) {
    lock.lock();
    try {
      if (b.length == bufferSize) {
        free.add(b);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The producer aborted; not a failure of the consumer. */
  private static final class Aborted extends RuntimeException {
    Aborted() {
      super(null, null, false, false);
    }
  }

}
