package dev.ferry.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobReadsTest {
  @TempDir Path dir;
  OciStore store;
  BlobReads reads;
  byte[] content;
  Digest digest;

  @BeforeEach
  void setUp() throws IOException {
    store = OciStore.open(dir.resolve("store"));
    reads = new BlobReads(store);
    content = new byte[4 * BlobReads.PIECE + 777];
    new Random(3).nextBytes(content);
    digest = store.put("application/octet-stream", content).digest();
  }

  /** Reads the whole blob the way the handler does; returns what was read. */
  private byte[] readAll(BlobReads.Read r) throws IOException {
    return readFrom(r, 0);
  }

  /** Reads the blob from {@code from} (a multiple of a piece) to its end, the way the handler does. */
  private byte[] readFrom(BlobReads.Read r, long from) throws IOException {
    long size = r.size();
    ByteBuffer out = ByteBuffer.allocate((int) (size - from));
    for (long at = from; at < size; at += BlobReads.PIECE) {
      int n = (int) Math.min(BlobReads.PIECE, size - at);
      ByteBuffer piece = r.piece(at, n);
      if (at + n == size) {
        r.verified();
      }
      out.put(piece);
    }
    return out.array();
  }

  private void awaitHashed(long bytes) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (reads.bytesHashed() < bytes && System.nanoTime() < until) {
      Thread.sleep(5);
    }
  }

  /** Waits for the passes to hash {@code bytes}, then checks they go no further. */
  private void assertHashingStopsAt(long bytes) throws InterruptedException {
    awaitHashed(bytes);
    Thread.sleep(50);
    assertThat(reads.bytesHashed()).isEqualTo(bytes);
  }

  @Test
  void pass_hashesOnlyWhatItsLeadingReaderHasRead() throws Exception {
    try (BlobReads.Read r = reads.open(digest)) {
      r.piece(0, BlobReads.PIECE);
      assertHashingStopsAt(BlobReads.PIECE);
      r.piece(BlobReads.PIECE, BlobReads.PIECE);
      assertHashingStopsAt(2L * BlobReads.PIECE);
    }
  }

  @Test
  void readerJoiningWhileTheLeaderStreams_sharesItsPass() throws Exception {
    try (BlobReads.Read leader = reads.open(digest)) {
      for (int i = 0; i < 3; i++) {
        leader.piece((long) i * BlobReads.PIECE, BlobReads.PIECE);
      }
      awaitHashed(3L * BlobReads.PIECE);
      // A second and third reader arrive long after the first began: the pass is still running behind it.
      try (BlobReads.Read late = reads.open(digest);
          BlobReads.Read later = reads.open(digest)) {
        assertThat(readAll(late)).isEqualTo(content);
        assertThat(readAll(later)).isEqualTo(content);
        assertThat(readFrom(leader, 3L * BlobReads.PIECE))
            .isEqualTo(java.util.Arrays.copyOfRange(content, 3 * BlobReads.PIECE, content.length));
      }
    }
    assertThat(reads.passesStarted()).isEqualTo(1);
    assertThat(reads.bytesHashed()).isEqualTo(content.length);
  }

  @Test
  void readerArrivingAfterAPassFinished_getsAPassOfItsOwn() throws Exception {
    try (BlobReads.Read r = reads.open(digest)) {
      assertThat(readAll(r)).isEqualTo(content);
    }
    try (BlobReads.Read r = reads.open(digest)) {
      assertThat(readAll(r)).isEqualTo(content);
    }
    assertThat(reads.passesStarted()).isEqualTo(2);
    assertThat(reads.bytesHashed()).isEqualTo(2L * content.length);
  }

  @Test
  void passWhoseReadersAllLeave_stopsAndTheNextReaderStartsAfresh() throws Exception {
    try (BlobReads.Read r = reads.open(digest)) {
      r.piece(0, BlobReads.PIECE);
      awaitHashed(BlobReads.PIECE);
    }
    assertHashingStopsAt(BlobReads.PIECE);
    try (BlobReads.Read r = reads.open(digest)) {
      assertThat(readAll(r)).isEqualTo(content);
    }
    assertThat(reads.passesStarted()).isEqualTo(2);
  }

  @Test
  void corruptFile_failsTheVerdictOfEveryReaderOfThePass() throws Exception {
    Path file = store.root().resolve("blobs/sha256/" + digest.hex());
    byte[] bad = content.clone();
    bad[BlobReads.PIECE + 1] ^= 1;
    file.toFile().setWritable(true);
    Files.write(file, bad);
    try (BlobReads.Read a = reads.open(digest);
        BlobReads.Read b = reads.open(digest)) {
      assertThatThrownBy(() -> readAll(a)).isInstanceOf(DigestMismatchException.class);
      assertThatThrownBy(() -> readAll(b)).isInstanceOf(DigestMismatchException.class);
    }
    assertThat(reads.passesStarted()).isEqualTo(1);
  }
}
