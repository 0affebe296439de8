package dev.ferry.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Digest;
import dev.ferry.oci.MediaType.Compression;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The two-thread hand-over under {@link LayerWriter}: same writes, failures in both directions, no hangs. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LayerPipeTest {
  @TempDir Path tmp;

  /** Records every write it gets, as (length, bytes). */
  private static final class RecordingSink implements LayerPipe.Sink {
    final List<Integer> lengths = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final AtomicBoolean finished = new AtomicBoolean();
    final AtomicBoolean aborted = new AtomicBoolean();
    final AtomicInteger writesAfterAbort = new AtomicInteger();

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (aborted.get()) {
        writesAfterAbort.incrementAndGet();
      }
      lengths.add(len);
      bytes.write(b, off, len);
    }

    @Override
    public void finish() {
      finished.set(true);
    }

    @Override
    public void abort() {
      aborted.set(true);
    }
  }

  private static boolean compressThreadAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("ferry-layer-compress") && t.isAlive());
  }

  @Test
  void write_manySizesIncludingOversized_consumerSeesTheSameWritesAndDigest() throws IOException {
    RecordingSink sink = new RecordingSink();
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    // Small buffers and only two of them, so the producer waits for the consumer all the time.
    LayerPipe pipe = LayerPipe.start(sink, md, 1000, 2);
    Random r = new Random(1);
    List<Integer> lengths = new ArrayList<>();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < 5000; i++) {
      int len = r.nextInt(10) == 0 ? 1000 + r.nextInt(3000) : r.nextInt(700);
      byte[] b = new byte[len + 10];
      r.nextBytes(b);
      pipe.write(b, 5, len);
      lengths.add(len);
      all.write(b, 5, len);
    }
    pipe.finish();

    assertThat(sink.lengths).isEqualTo(lengths);
    assertThat(sink.bytes.toByteArray()).isEqualTo(all.toByteArray());
    assertThat(sink.finished).isTrue();
    assertThat(sink.aborted).isFalse();
    assertThat(Digest.of(Digest.Algorithm.SHA256, md.digest())).isEqualTo(Digest.sha256(all.toByteArray()));
    assertThat(pipe.count()).isEqualTo(all.size());
  }

  @Test
  void write_consumerFails_producerGetsItsExceptionAndNothingHangs() {
    IOException boom = new IOException("disk full");
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean aborted = new AtomicBoolean();
    LayerPipe pipe =
        LayerPipe.start(
            new LayerPipe.Sink() {
              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                if (calls.incrementAndGet() == 3) {
                  throw boom;
                }
              }

              @Override
              public void finish() {}

              @Override
              public void abort() {
                aborted.set(true);
              }
            },
            null,
            100,
            2);

    assertThatThrownBy(
            () -> {
              byte[] b = new byte[100];
              for (int i = 0; i < 1_000_000; i++) {
                pipe.write(b, 0, b.length);
              }
            })
        .isSameAs(boom);
    assertThatThrownBy(pipe::finish).isInstanceOf(IOException.class);
    pipe.close();
    assertThat(aborted).isTrue();
    assertThat(calls.get()).isEqualTo(3);
  }

  @Test
  void finish_consumerFailsWhileFinishing_finishThrowsIt() {
    LayerPipe pipe =
        LayerPipe.start(
            new LayerPipe.Sink() {
              @Override
              public void write(byte[] b, int off, int len) {}

              @Override
              public void finish() throws IOException {
                throw new IOException("trailer failed");
              }

              @Override
              public void abort() {}
            },
            null);

    assertThatThrownBy(pipe::finish).hasMessage("trailer failed");
  }

  @Test
  void abort_whileConsumerIsBusy_waitsForItAndNoWriteFollows() throws Exception {
    CountDownLatch inWrite = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    RecordingSink recording = new RecordingSink();
    LayerPipe pipe =
        LayerPipe.start(
            new LayerPipe.Sink() {
              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                inWrite.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                }
                recording.write(b, off, len);
              }

              @Override
              public void finish() {
                recording.finish();
              }

              @Override
              public void abort() {
                recording.abort();
              }
            },
            null,
            10,
            4);
    for (int i = 0; i < 3; i++) {
      pipe.write(new byte[10], 0, 10); // the third write hands over the first two buffers
    }
    assertThat(inWrite.await(10, TimeUnit.SECONDS)).isTrue();
    Thread aborter = new Thread(pipe::abort);
    aborter.start();
    aborter.join(200);
    assertThat(aborter.isAlive()).as("abort waits for the busy consumer").isTrue();
    release.countDown();
    aborter.join(10_000);

    assertThat(aborter.isAlive()).isFalse();
    assertThat(recording.aborted).isTrue();
    assertThat(recording.finished).isFalse();
    assertThat(recording.lengths).as("the write in progress completes; queued ones are dropped").hasSize(1);
    assertThat(recording.writesAfterAbort).hasValue(0);
    assertThatThrownBy(() -> pipe.write(new byte[1], 0, 1)).hasMessageContaining("aborted");
  }

  @Test
  void layerWriter_outputStreamFails_writeThrowsItAndHelperStops() throws IOException {
    Path big = Files.write(tmp.resolve("big"), new byte[20 << 20]);
    IOException boom = new IOException("no space left on device");
    OutputStream failing =
        new OutputStream() {
          long n;

          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            n += len;
            if (n > 100_000) {
              throw boom;
            }
          }
        };
    for (Compression c : Compression.values()) {
      LayerWriter w = LayerWriter.builder().compression(c).build();
      assertThatThrownBy(() -> w.write(List.of(LayerEntry.file("big", big)), failing)).isSameAs(boom);
    }
    assertThat(compressThreadAlive()).isFalse();
  }

  @Test
  void layerWriter_fileShrinksWhileRead_writeThrowsAndStreamIsNotWrittenAfterwards() throws IOException {
    Path f = Files.write(tmp.resolve("f"), new byte[3 << 20]);
    // The entry claims more bytes than the file has: the producer fails mid-file, like a file that shrank.
    LayerEntry lying =
        LayerEntry.fromFileSystem(
            "f", LayerEntry.Type.FILE, 0644, 0, 0, java.time.Instant.EPOCH, 5L << 20, "", 0, 0,
            new java.util.TreeMap<>(), f, null);
    AtomicBoolean returned = new AtomicBoolean();
    AtomicInteger writesAfterReturn = new AtomicInteger();
    OutputStream out =
        new OutputStream() {
          @Override
          public void write(int b) {
            write(new byte[1], 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            if (returned.get()) {
              writesAfterReturn.incrementAndGet();
            }
          }
        };
    for (Compression c : Compression.values()) {
      LayerWriter w = LayerWriter.builder().compression(c).build();
      assertThatThrownBy(() -> w.write(List.of(lying), out)).hasMessageContaining("shrank");
    }
    returned.set(true);
    assertThat(compressThreadAlive()).isFalse();
    assertThat(writesAfterReturn).hasValue(0);
  }

  @Test
  void layerWriter_manyLayersInParallel_eachByteIdenticalToItsSequentialTwin() throws Exception {
    byte[] content = new byte[3 << 20];
    new Random(9).nextBytes(content);
    Arrays.fill(content, 0, content.length / 2, (byte) 'x');
    Path f = Files.write(tmp.resolve("c"), content);
    LayerWriter w = LayerWriter.builder().compression(Compression.ZSTD).build();
    ByteArrayOutputStream ref = new ByteArrayOutputStream();
    w.write(List.of(LayerEntry.file("c", f)), ref);
    List<Thread> threads = new ArrayList<>();
    List<byte[]> results = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 4; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  ByteArrayOutputStream o = new ByteArrayOutputStream();
                  w.write(List.of(LayerEntry.file("c", f)), o);
                  results.add(o.toByteArray());
                } catch (IOException x) {
                  throw new java.io.UncheckedIOException(x);
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(results).hasSize(4).allSatisfy(r -> assertThat(r).isEqualTo(ref.toByteArray()));
  }
}
