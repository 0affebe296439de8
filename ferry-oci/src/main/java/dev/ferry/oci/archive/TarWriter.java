package dev.ferry.oci.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a reproducible tar: mtime 0, uid/gid 0 with empty owner names, fixed modes; the caller supplies entries in
 * a deterministic order. POSIX (PAX) headers only where ustar cannot hold a value (names over 100 bytes, entries
 * of 8 GiB or more). Does not close the caller's stream. Not thread-safe.
 */
final class TarWriter {
  private static final FileTime EPOCH = FileTime.from(Instant.EPOCH);
  private final TarArchiveOutputStream tar;

  TarWriter(OutputStream out) {
    this.tar =
        new TarArchiveOutputStream(
            new OutputStream() {
              @Override
              public void write(int b) throws IOException {
                out.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
              }

              @Override
              public void flush() throws IOException {
                out.flush();
              }
            });
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  void directory(String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
    e.setMode(TarArchiveEntry.DEFAULT_DIR_MODE);
    stamp(e);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  void file(String name, byte[] content) throws IOException {
    TarArchiveEntry e = fileEntry(name, content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /** Writes exactly {@code size} bytes from {@code content}; fewer or more is an error. */
  void file(String name, long size, InputStream content) throws IOException {
    tar.putArchiveEntry(fileEntry(name, size));
    byte[] buf = new byte[1 << 20];
    long left = size;
    int n;
    while (left > 0 && (n = content.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
      tar.write(buf, 0, n);
      left -= n;
    }
    if (left != 0 || content.read() != -1) {
      throw new IOException("content of tar entry " + name + " is not the " + size + " bytes announced");
    }
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry fileEntry(String name, long size) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
    e.setMode(TarArchiveEntry.DEFAULT_FILE_MODE);
    e.setSize(size);
    stamp(e);
    return e;
  }

  private static void stamp(TarArchiveEntry e) {
    e.setLastModifiedTime(EPOCH);
    e.setUserId(0);
    e.setGroupId(0);
    e.setUserName("");
    e.setGroupName("");
  }

  /** Writes the end-of-archive records and flushes; the caller's stream stays open. */
  void finish() throws IOException {
    tar.finish();
    tar.flush();
  }
}
