package dev.ferry.oci.layer;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream ({@linkplain <a href="https://www.rfc-editor.org/rfc/rfc1952">RFC 1952</a>}, one member) whose deflate
 * data is made in fixed blocks of {@link #BLOCK} input bytes compressed on several threads, the way pigz does: each
 * block is deflated on its own with the previous 32 KiB of input as its dictionary and ends with a sync flush (an
 * empty stored block), the last with the final block. The bytes depend only on the input and the level, not on the
 * number of workers, so layers stay reproducible; they differ from a single {@link java.util.zip.GZIPOutputStream}'s
 * (slightly larger: one flush per block, and no match may reach back across a block boundary beyond the dictionary).
 * A block whose first 16 KiB do not compress is stored rather than deflated. Any gzip reader reads the result.
 * Header: no name, mtime 0, as the JDK writes it. Not thread-safe.
 */
final class BlockGzipOutputStream extends OutputStream {
  /** Input bytes per block: large enough that the per-block flush costs nothing, small enough to spread work. */
  static final int BLOCK = 1 << 20;
  private static final int WINDOW = 32 * 1024;
  /**
   * Bytes of a block deflated on trial to decide whether the block is compressible: enough to tell high-entropy data
   * from the rest, small enough to cost ~1.5 % of deflating the block.
   */
  private static final int SAMPLE = 16 * 1024;
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, 0};

  private final OutputStream out;
  private final int level;
  private final ExecutorService pool;
  private final int maxInFlight;
  private final Deque<Future<byte[]>> inFlight = new ArrayDeque<>();
  private final CRC32 crc = new CRC32();
  private byte[] block = new byte[BLOCK];
  private int filled;
  private byte[] dictionary = new byte[0];
  private long total;
  private boolean closed;

  /**
   * @param out where the gzip bytes go (not closed by {@link #close})
   * @param level deflate level 0..9
   * @param workers threads that deflate blocks, at least 1
   */
  BlockGzipOutputStream(OutputStream out, int level, int workers) throws IOException {
    if (workers < 1) {
      throw new IllegalArgumentException("gzip workers must be at least 1, got " + workers);
    }
    this.out = out;
    this.level = level;
    this.maxInFlight = 2 * workers;
    this.pool = Executors.newFixedThreadPool(workers, r -> {
      Thread t = new Thread(r, "ferry-gzip");
      t.setDaemon(true);
      return t;
    });
    out.write(HEADER);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("gzip stream already closed");
    }
    crc.update(b, off, len);
    total += len;
    while (len > 0) {
      int n = Math.min(len, BLOCK - filled);
      System.arraycopy(b, off, block, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == BLOCK) {
        submit(false);
      }
    }
  }

  /** Hands the current block to a worker; the next block's dictionary is its last 32 KiB. */
  private void submit(boolean last) throws IOException {
    byte[] input = block;
    int length = filled;
    byte[] dict = dictionary;
    inFlight.addLast(pool.submit(() -> deflate(input, length, dict, last)));
    dictionary = Arrays.copyOfRange(input, Math.max(0, length - WINDOW), length);
    block = new byte[BLOCK];
    filled = 0;
    while (inFlight.size() >= maxInFlight) {
      drainOne();
    }
  }

  private byte[] deflate(byte[] input, int length, byte[] dict, boolean last) {
    Deflater d = new Deflater(compresses(input, length) ? level : Deflater.NO_COMPRESSION, true);
    try {
      if (dict.length > 0) {
        d.setDictionary(dict);
      }
      d.setInput(input, 0, length);
      ByteSink sink = new ByteSink(length / 2 + 64);
      byte[] buf = new byte[64 * 1024];
      if (last) {
        d.finish();
        while (!d.finished()) {
          sink.add(buf, d.deflate(buf, 0, buf.length, Deflater.NO_FLUSH));
        }
      } else {
        int n;
        do {
          n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
          sink.add(buf, n);
        } while (n == buf.length || !d.needsInput());
      }
      return sink.bytes();
    } finally {
      d.end();
    }
  }

  /**
   * Whether deflating the block is worth it: a trial of its first {@link #SAMPLE} bytes must shrink by 2 %. Already
   * compressed data (model weights, archives, media) is then stored instead, which costs almost nothing, where deflate
   * would spend ~30 ms a MiB to gain nothing (zstd does the same). The decision depends only on the bytes.
   */
  private boolean compresses(byte[] input, int length) {
    if (level == Deflater.NO_COMPRESSION || length < SAMPLE) {
      return true;
    }
    Deflater trial = new Deflater(1, true);
    try {
      trial.setInput(input, 0, SAMPLE);
      trial.finish();
      byte[] buf = new byte[SAMPLE + 1024];
      int n = 0;
      while (!trial.finished() && n < buf.length) {
        n += trial.deflate(buf, n, buf.length - n);
      }
      return n < SAMPLE * 98L / 100;
    } finally {
      trial.end();
    }
  }

  private void drainOne() throws IOException {
    Future<byte[]> f = inFlight.removeFirst();
    try {
      out.write(f.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while compressing", e);
    } catch (ExecutionException e) {
      throw new IOException("gzip compression failed: " + e.getCause(), e.getCause());
    }
  }

  /** Writes the last block and the trailer; the underlying stream stays open (it is flushed). */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      submit(true);
      while (!inFlight.isEmpty()) {
        drainOne();
      }
      byte[] trailer = new byte[8];
      writeIntLe(trailer, 0, (int) crc.getValue());
      writeIntLe(trailer, 4, (int) total);
      out.write(trailer);
      out.flush();
    } finally {
      closed = true;
      pool.shutdownNow();
    }
  }

  private static void writeIntLe(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }

  /** A growing byte array. */
  private static final class ByteSink {
    private byte[] data;
    private int size;

    ByteSink(int initial) {
      data = new byte[Math.max(256, initial)];
    }

    void add(byte[] b, int n) {
      if (size + n > data.length) {
        data = Arrays.copyOf(data, Math.max(size + n, data.length * 2));
      }
      System.arraycopy(b, 0, data, size, n);
      size += n;
    }

    byte[] bytes() {
      return Arrays.copyOf(data, size);
    }
  }
}
