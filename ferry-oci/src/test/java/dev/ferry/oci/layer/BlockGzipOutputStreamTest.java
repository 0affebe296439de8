package dev.ferry.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockGzipOutputStreamTest {
  private static final int B = BlockGzipOutputStream.BLOCK;

  @TempDir Path tmp;

  /** Half random, half repetitive: exercises matches that reach into the previous block's dictionary. */
  private static byte[] data(int size, long seed) {
    byte[] b = new byte[size];
    Random r = new Random(seed);
    for (int i = 0; i < size; i++) {
      b[i] = (i / 4096) % 2 == 0 ? (byte) r.nextInt() : (byte) ("layer " + (i % 97)).charAt(i % 5);
    }
    return b;
  }

  private static byte[] gzip(byte[] input, int workers, int chunk) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new BlockGzipOutputStream(out, 1, workers)) {
      for (int off = 0; off < input.length; off += chunk) {
        z.write(input, off, Math.min(chunk, input.length - off));
      }
    }
    return out.toByteArray();
  }

  private static byte[] gunzip(byte[] gz) throws IOException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }

  @Test
  void write_anySizeAroundBlockBoundaries_readsBackTheSameBytes() throws IOException {
    for (int size : new int[] {0, 1, B - 1, B, B + 1, 3 * B + 12345}) {
      byte[] input = data(size, size);
      assertThat(gunzip(gzip(input, 3, 70_001))).as("size " + size).isEqualTo(input);
    }
  }

  @Test
  void write_bytesDependOnlyOnInput_notOnWorkersOrWriteSizes() throws IOException {
    byte[] input = data(5 * B + 777, 42);
    byte[] one = gzip(input, 1, 8192);
    assertThat(gzip(input, 4, 1_000_003)).isEqualTo(one);
    assertThat(gzip(input, 2, 1)).isEqualTo(one);
  }

  @Test
  void write_incompressibleBlocks_areStored_compressibleOnesDeflated() throws IOException {
    byte[] random = new byte[2 * B];
    new Random(1).nextBytes(random);
    byte[] text = new byte[2 * B];
    for (int i = 0; i < text.length; i++) {
      text[i] = (byte) ("the same words again " + (i / 100)).charAt(i % 20);
    }
    byte[] r = gzip(random, 2, 65536);
    byte[] t = gzip(text, 2, 65536);
    assertThat(gunzip(r)).isEqualTo(random);
    assertThat(gunzip(t)).isEqualTo(text);
    // stored: 5 bytes of block header per 64 KiB at most, never the expansion deflate gives random data
    assertThat(r.length).isLessThan(random.length + random.length / 1000 + 64);
    assertThat(t.length).isLessThan(text.length / 10);
  }

  @Test
  void write_realGzipToolAcceptsIt() throws Exception {
    byte[] input = data(2 * B + 5, 7);
    Path f = Files.write(tmp.resolve("x.gz"), gzip(input, 2, 65536));
    Process p = new ProcessBuilder("gzip", "-t", f.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }
}
