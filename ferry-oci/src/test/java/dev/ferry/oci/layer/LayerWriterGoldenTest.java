package dev.ferry.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.oci.MediaType.Compression;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pins the exact bytes the layer writer produces, so that changes to how it moves bytes (threads, buffer sizes)
 * cannot change its output. The digests were recorded with the single-threaded writer of commit 9b5f169; they hold
 * for the JDK's zlib and zstd-jni 1.5.6 (a new zlib or zstd may legitimately change compressed digests; the diffID
 * must never change).
 */
class LayerWriterGoldenTest {
  private static final String DIFF_ID = "91073dcf4506f48fefcc44d9fda53aeaf8b24cb7b2713e4f94d1e8be4edb0b18";

  @TempDir Path tmp;

  /** Explicit entries: small text files, a 9 MiB half-random file from disk (several pipe buffers), links. */
  private List<LayerEntry> entries() throws IOException {
    Random r = new Random(20261122);
    List<LayerEntry> out = new ArrayList<>();
    out.add(LayerEntry.directory("etc/"));
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder();
      int lines = 1 + r.nextInt(60);
      for (int l = 0; l < lines; l++) {
        sb.append("key").append(r.nextInt(1000)).append(" = value ").append(r.nextInt(1 << 20)).append('\n');
      }
      out.add(LayerEntry.file("etc/conf-" + i + ".txt", sb.toString().getBytes(StandardCharsets.UTF_8)).withMode(0644));
    }
    byte[] big = new byte[9 * 1024 * 1024 + 333];
    r.nextBytes(big);
    for (int i = 0; i < big.length; i += 8192) {
      java.util.Arrays.fill(big, i, Math.min(big.length, i + 4096), (byte) ('a' + (i / 8192) % 26));
    }
    Path bigFile = Files.write(tmp.resolve("big.bin"), big);
    out.add(LayerEntry.file("opt/big.bin", bigFile).withMode(0755));
    out.add(LayerEntry.symlink("opt/link", "big.bin"));
    out.add(LayerEntry.hardLink("opt/hard", "opt/big.bin"));
    out.add(LayerEntry.file("opt/empty", new byte[0]));
    return out;
  }

  @ParameterizedTest
  @CsvSource({
    "NONE, 0, 0, 91073dcf4506f48fefcc44d9fda53aeaf8b24cb7b2713e4f94d1e8be4edb0b18, 9863680",
    "GZIP, 1, 0, 2c83e97b58f4f332a7c09f81caddf961b30b3c3e89d92513c2fab6a38a357d39, 4853386",
    "GZIP, 6, 0, 780089ae8127d5d7def2808bf378b54deaa26af7e622b2bc4c3ae5fa2ee6653a, 4821673",
    "ZSTD, 3, 0, fb5390397f0a27510d37e1357cb3b5f831b18cb6ab7b73a111b4370e538bc6a8, 4801181",
    "ZSTD, 3, 1, 0967ec22bdcc7f49a8a832d4080f09dff3d7cf5fbeb4a85c6323a10b4aba9ace, 4801190",
    "ZSTD, 3, 2, 0967ec22bdcc7f49a8a832d4080f09dff3d7cf5fbeb4a85c6323a10b4aba9ace, 4801190",
    "ZSTD, 3, 4, 0967ec22bdcc7f49a8a832d4080f09dff3d7cf5fbeb4a85c6323a10b4aba9ace, 4801190",
    "ZSTD, 3, -1, 0967ec22bdcc7f49a8a832d4080f09dff3d7cf5fbeb4a85c6323a10b4aba9ace, 4801190",
  })
  void write_fixedEntries_sameBytesAsTheSingleThreadedWriter(
      Compression c, int level, int workers, String digestHex, long size) throws IOException {
    LayerWriter.Builder b = LayerWriter.builder().compression(c).epoch(Instant.ofEpochSecond(1_000_000));
    if (c != Compression.NONE) {
      b.level(level);
    }
    if (c == Compression.ZSTD && workers >= 0) {
      b.zstdWorkers(workers);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    WrittenLayer l = b.build().write(entries(), out);
    assertThat(l.diffId()).hasToString("sha256:" + DIFF_ID);
    assertThat(l.digest()).hasToString("sha256:" + digestHex);
    assertThat(l.size()).isEqualTo(size).isEqualTo(out.size());
    assertThat(dev.ferry.oci.Digest.sha256(out.toByteArray())).isEqualTo(l.digest());
  }

  @ParameterizedTest
  @CsvSource({
    "NONE, 0, 91073dcf4506f48fefcc44d9fda53aeaf8b24cb7b2713e4f94d1e8be4edb0b18",
    "GZIP, 1, 2c83e97b58f4f332a7c09f81caddf961b30b3c3e89d92513c2fab6a38a357d39",
    "ZSTD, 3, 0967ec22bdcc7f49a8a832d4080f09dff3d7cf5fbeb4a85c6323a10b4aba9ace",
  })
  void write_intoStoreBlobWriter_digestFromTheStoreSameBytesCommitted(Compression c, int level, String digestHex)
      throws IOException {
    dev.ferry.oci.store.OciStore store = dev.ferry.oci.store.OciStore.open(tmp.resolve("store"));
    LayerWriter.Builder b = LayerWriter.builder().compression(c).epoch(Instant.ofEpochSecond(1_000_000));
    if (c != Compression.NONE) {
      b.level(level);
    }
    WrittenLayer l;
    try (dev.ferry.oci.store.OciStore.BlobWriter w = store.newBlob()) {
      l = b.build().write(entries(), w);
      assertThat(w.commit(l.digest(), l.size())).hasToString("sha256:" + digestHex);
    }
    assertThat(l.diffId()).hasToString("sha256:" + DIFF_ID);
    assertThat(l.digest()).hasToString("sha256:" + digestHex);
    assertThat(store.size(l.digest())).isEqualTo(l.size());
  }
}
