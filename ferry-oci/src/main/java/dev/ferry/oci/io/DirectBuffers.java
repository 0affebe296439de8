package dev.ferry.oci.io;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A bounded pool of direct buffers of one size. A new direct buffer is a zeroed native allocation that only the
 * garbage collector frees; code that needs one per request or per upload takes it here and gives it back, so a
 * server under many concurrent transfers keeps at most {@code kept} of them between transfers. Thread-safe.
 */
public final class DirectBuffers {
  private final int size;
  private final int kept;
  private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

  /** Buffers of {@code size} bytes, at most {@code kept} of them kept for reuse. */
  public DirectBuffers(int size, int kept) {
    if (size <= 0 || kept < 0) {
      throw new IllegalArgumentException("buffer size " + size + " and count kept " + kept);
    }
    this.size = size;
    this.kept = kept;
  }

  /** A cleared buffer of this pool's size: a kept one, or a new one. */
  public ByteBuffer take() {
    ByteBuffer b = free.poll();
    return b != null ? b : ByteBuffer.allocateDirect(size);
  }

  /** Gives {@code buffer} back (the caller must not use it afterwards); kept unless the pool is full. */
  public void give(ByteBuffer buffer) {
    if (buffer.isDirect() && buffer.capacity() == size && free.size() < kept) {
      free.offer(buffer.clear());
    }
  }

  /** Buffers waiting for reuse now. */
  public int available() {
    return free.size();
  }
}
