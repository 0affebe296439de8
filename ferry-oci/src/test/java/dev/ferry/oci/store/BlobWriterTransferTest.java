package dev.ferry.oci.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OciStore.BlobWriter#transferFrom}: kernel copy on the caller's thread, hashing on a helper. */
class BlobWriterTransferTest {
  @TempDir Path dir;

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Path file(byte[] content) throws IOException {
    return Files.write(dir.resolve("src-" + content.length), content);
  }

  @Test
  void transferFrom_rangeOverSeveralSlices_storesAndHashesExactlyThatRange() throws IOException {
    OciStore store = OciStore.open(dir.resolve("store"));
    // Not a multiple of the slice size, so the last slice is short.
    byte[] src = random(1, (int) (2 * OciStore.TRANSFER_SLICE + 12345));
    int from = 777;
    int len = src.length - from - 1000;
    byte[] expected = Arrays.copyOfRange(src, from, from + len);
    Digest d;
    try (FileChannel ch = FileChannel.open(file(src), StandardOpenOption.READ);
        OciStore.BlobWriter w = store.newBlob()) {
      w.transferFrom(ch, from, len);
      assertThat(w.count()).isEqualTo(len);
      d = w.commit(Digest.sha256(expected), len);
    }
    assertThat(d).isEqualTo(Digest.sha256(expected));
    try (var in = store.open(d)) {
      assertThat(in.readAllBytes()).isEqualTo(expected);
    }
  }

  @Test
  void transferFrom_mixedWithWrites_hashesEverythingInOrder() throws IOException {
    OciStore store = OciStore.open(dir.resolve("store"));
    byte[] src = random(2, 3 * 1024 * 1024);
    byte[] head = "head".getBytes();
    byte[] tail = "tail".getBytes();
    byte[] all = new byte[head.length + src.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(src, 0, all, head.length, src.length);
    System.arraycopy(tail, 0, all, head.length + src.length, tail.length);
    try (FileChannel ch = FileChannel.open(file(src), StandardOpenOption.READ);
        OciStore.BlobWriter w = store.newBlob()) {
      w.write(head);
      w.transferFrom(ch, 0, src.length);
      w.write(tail);
      assertThat(w.commit()).isEqualTo(Digest.sha256(all));
    }
  }

  @Test
  void transferFrom_sourceShorterThanRange_throwsEofAndStoresNothing() throws IOException {
    OciStore store = OciStore.open(dir.resolve("store"));
    byte[] src = random(3, (int) OciStore.TRANSFER_SLICE + 100);
    try (FileChannel ch = FileChannel.open(file(src), StandardOpenOption.READ);
        OciStore.BlobWriter w = store.newBlob()) {
      assertThatThrownBy(() -> w.transferFrom(ch, 50, src.length)).isInstanceOf(EOFException.class);
    }
    assertThat(store.blobs()).isEmpty();
    assertThat(store.ingestFiles()).isEmpty();
  }

  @Test
  void transferFrom_wrongExpectedDigest_storesNothing() throws IOException {
    OciStore store = OciStore.open(dir.resolve("store"));
    byte[] src = random(4, 1 << 20);
    try (FileChannel ch = FileChannel.open(file(src), StandardOpenOption.READ);
        OciStore.BlobWriter w = store.newBlob()) {
      w.transferFrom(ch, 0, src.length);
      assertThatThrownBy(() -> w.commit(Digest.sha256(new byte[1]), src.length))
          .isInstanceOf(DigestMismatchException.class);
    }
    assertThat(store.blobs()).isEmpty();
    assertThat(store.ingestFiles()).isEmpty();
  }

  @Test
  void transferFrom_afterCommit_isRefused() throws IOException {
    OciStore store = OciStore.open(dir.resolve("store"));
    byte[] src = random(5, 10);
    try (FileChannel ch = FileChannel.open(file(src), StandardOpenOption.READ);
        OciStore.BlobWriter w = store.newBlob()) {
      w.commit();
      assertThatThrownBy(() -> w.transferFrom(ch, 0, 1)).isInstanceOf(IllegalStateException.class);
    }
  }
}
