package dev.ferry.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a bundle file, or its split parts of {@code partSize} bytes each, under temporary names; {@link #commit}
 * renames them into place, {@link #close} without a commit deletes them. So a failed pack leaves nothing behind and
 * a reader never sees a half-written bundle. Not thread-safe.
 */
final class PartsOutputStream extends OutputStream {
  private final Path target;
  private final long partSize;
  private final List<Path> temps = new ArrayList<>();
  private FileChannel current;
  private long inPart;
  private long total;
  private boolean committed;

  /** {@code partSize} 0 writes one file. */
  PartsOutputStream(Path target, long partSize) throws IOException {
    this.target = target.toAbsolutePath();
    this.partSize = partSize;
    next();
  }

  private void next() throws IOException {
    if (current != null) {
      current.close();
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + "." + temps.size() + ".tmp");
    temps.add(tmp);
    current = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    inPart = 0;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (partSize > 0 && inPart == partSize) {
        next();
      }
      int n = partSize > 0 ? (int) Math.min(len, partSize - inPart) : len;
      var buf = java.nio.ByteBuffer.wrap(b, off, n);
      while (buf.hasRemaining()) {
        current.write(buf);
      }
      inPart += n;
      total += n;
      off += n;
      len -= n;
    }
  }

  /**
   * Copies {@code length} bytes of {@code source} from {@code position} in the kernel ({@code copy_file_range} or
   * {@code sendfile}), across part boundaries.
   */
  void transferFrom(FileChannel source, long position, long length) throws IOException {
    while (length > 0) {
      if (partSize > 0 && inPart == partSize) {
        next();
      }
      long n = partSize > 0 ? Math.min(length, partSize - inPart) : length;
      long done = 0;
      while (done < n) {
        long t = source.transferTo(position + done, n - done, current);
        if (t <= 0) {
          throw new java.io.EOFException("source ended at byte " + (position + done) + " while copying into the bundle");
        }
        done += t;
      }
      inPart += n;
      total += n;
      position += n;
      length -= n;
    }
  }

  /** Bytes written so far. */
  long total() {
    return total;
  }

  /** Syncs and renames the parts into place; returns the files written. */
  List<Path> commit() throws IOException {
    current.force(true);
    current.close();
    List<Path> out = new ArrayList<>();
    for (int i = 0; i < temps.size(); i++) {
      Path dest = partSize > 0 ? BundleFormat.part(target, i) : target;
      Files.move(temps.get(i), dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      out.add(dest);
    }
    // Parts left from an earlier, larger split of the same name would be read as part of this bundle.
    for (int i = temps.size(); partSize > 0 && Files.exists(BundleFormat.part(target, i)); i++) {
      Files.delete(BundleFormat.part(target, i));
    }
    committed = true;
    return out;
  }

  @Override
  public void close() throws IOException {
    if (current.isOpen()) {
      current.close();
    }
    if (!committed) {
      for (Path t : temps) {
        Files.deleteIfExists(t);
      }
    }
  }
}
