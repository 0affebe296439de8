package dev.ferry.oci.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestingStreamsTest {
  static final byte[] DATA = "digest me, all of me".getBytes(StandardCharsets.UTF_8);

  @Test
  void inputStream_readAll_digestsAndCounts() throws IOException {
    DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(DATA));

    assertThat(in.readAllBytes()).isEqualTo(DATA);
    assertThat(in.count()).isEqualTo(DATA.length);
    assertThat(in.digest()).isEqualTo(Digest.sha256(DATA));
  }

  @Test
  void inputStream_singleByteReads_sameDigest() throws IOException {
    DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(DATA));
    while (in.read() >= 0) {
      // drain
    }

    assertThat(in.count()).isEqualTo(DATA.length);
    assertThat(in.digest()).isEqualTo(Digest.sha256(DATA));
  }

  @Test
  void inputStream_skip_stillHashesSkippedBytes() throws IOException {
    DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(DATA));

    assertThat(in.skip(7)).isEqualTo(7);
    in.readAllBytes();
    assertThat(in.skip(10)).isZero();

    assertThat(in.count()).isEqualTo(DATA.length);
    assertThat(in.digest()).isEqualTo(Digest.sha256(DATA));
  }

  @Test
  void inputStream_reset_refused() {
    DigestingInputStream in = new DigestingInputStream(new ByteArrayInputStream(DATA));

    assertThat(in.markSupported()).isFalse();
    assertThatThrownBy(in::reset).isInstanceOf(IOException.class);
  }

  @Test
  void outputStream_writes_passThroughDigestAndCount() throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    DigestingOutputStream out = new DigestingOutputStream(sink);

    out.write(DATA, 0, 5);
    out.write(DATA[5]);
    out.write(DATA, 6, DATA.length - 6);

    assertThat(sink.toByteArray()).isEqualTo(DATA);
    assertThat(out.count()).isEqualTo(DATA.length);
    assertThat(out.digest()).isEqualTo(Digest.sha256(DATA));
  }

  @Test
  void outputStream_sha512_usesSha512() throws IOException {
    DigestingOutputStream out = new DigestingOutputStream(new ByteArrayOutputStream(), Digest.Algorithm.SHA512);
    out.write(DATA);

    assertThat(out.digest())
        .isEqualTo(Digest.of(Digest.Algorithm.SHA512, Digest.Algorithm.SHA512.newMessageDigest().digest(DATA)));
  }
}
