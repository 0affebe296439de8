package dev.ferry.oci.store;

import static dev.ferry.oci.store.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
  static final byte[] CONTENT = utf8("exactly this content");
  static final Digest DIGEST = Digest.sha256(CONTENT);

  private static InputStream verifying(byte[] actual, Digest expected, long size) {
    return new VerifyingInputStream(new ByteArrayInputStream(actual), expected, size, "test blob");
  }

  @Test
  void read_matchingContent_passesThrough() throws IOException {
    try (InputStream in = verifying(CONTENT, DIGEST, CONTENT.length)) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void read_byteByByteMatchingContent_passes() throws IOException {
    try (InputStream in = verifying(CONTENT, DIGEST, CONTENT.length)) {
      int n = 0;
      while (in.read() >= 0) {
        n++;
      }
      assertThat(n).isEqualTo(CONTENT.length);
    }
  }

  @Test
  void read_unknownSizeMatchingDigest_passes() throws IOException {
    try (InputStream in = verifying(CONTENT, DIGEST, -1)) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
  }

  @Test
  void read_longerThanDeclared_throwsBeforeEnd() throws IOException {
    byte[] longer = utf8("exactly this content and more");
    try (InputStream in = verifying(longer, DIGEST, CONTENT.length)) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("test blob")
          .hasMessageContaining("longer than its declared size " + CONTENT.length);
    }
  }

  @Test
  void read_byteByByteLongerThanDeclared_throwsOnFirstExtraByte() throws IOException {
    byte[] longer = utf8("exactly this content!");
    try (InputStream in = verifying(longer, DIGEST, CONTENT.length)) {
      for (int i = 0; i < CONTENT.length; i++) {
        assertThat(in.read()).isEqualTo(CONTENT[i] & 0xff);
      }
      assertThatThrownBy(in::read).hasMessageContaining("longer than its declared size");
    }
  }

  @Test
  void read_truncated_throwsSizeError() throws IOException {
    byte[] truncated = utf8("exactly this");
    try (InputStream in = verifying(truncated, DIGEST, CONTENT.length)) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(DigestMismatchException.class)
          .hasMessageContaining("has " + truncated.length + " bytes but " + CONTENT.length + " were declared")
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void read_sameSizeOtherContent_throwsDigestMismatch() throws IOException {
    byte[] other = utf8("exactly that content");
    try (InputStream in = verifying(other, DIGEST, CONTENT.length)) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOfSatisfying(
              DigestMismatchException.class,
              e -> {
                assertThat(e.expected()).isEqualTo(DIGEST);
                assertThat(e.actual()).isEqualTo(Digest.sha256(other));
              })
          .hasMessageContaining("test blob");
    }
  }

  @Test
  void read_unknownSizeOtherContent_throwsDigestMismatch() throws IOException {
    try (InputStream in = verifying(utf8("other"), DIGEST, -1)) {
      assertThatThrownBy(in::readAllBytes).isInstanceOf(DigestMismatchException.class);
    }
  }

  @Test
  void read_sha512Expected_verifiesWithSha512() throws IOException {
    Digest sha512 = Digest.of(Digest.Algorithm.SHA512, Digest.Algorithm.SHA512.newMessageDigest().digest(CONTENT));
    try (InputStream in = verifying(CONTENT, sha512, CONTENT.length)) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
    }
  }

  @Test
  void skip_thenRead_stillVerifiesSkippedBytes() throws IOException {
    byte[] other = utf8("Exactly this content");
    try (InputStream in = verifying(other, DIGEST, CONTENT.length)) {
      assertThat(in.skip(5)).isEqualTo(5);
      assertThatThrownBy(in::readAllBytes).isInstanceOf(DigestMismatchException.class);
    }
  }
}
