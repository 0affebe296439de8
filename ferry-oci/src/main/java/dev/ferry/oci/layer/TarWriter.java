package dev.ferry.oci.layer;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes POSIX pax tar headers byte for byte. Not thread-safe.
 *
 * <p>Ferry writes headers itself rather than through commons-compress because PAX record values there are Java
 * strings encoded as UTF-8, which corrupts binary xattr values such as {@code security.capability}. Only the
 * records a reader needs are written: {@code path}, {@code linkpath}, {@code size}, {@code uid}, {@code gid} and
 * {@code SCHILY.xattr.*}; never {@code atime}, {@code ctime} or sub-second {@code mtime}.
 *
 * @see <a href="https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html">pax interchange format</a>
 */
final class TarWriter {
  static final int BLOCK = 512;
  /** Largest value of a 12-byte octal field (11 digits and a NUL): 8 GiB - 1 bytes, or year 2242 as mtime. */
  static final long MAX_OCTAL_11 = 077777777777L;
  /** Largest value of an 8-byte octal field (7 digits and a NUL). */
  static final long MAX_OCTAL_7 = 07777777L;
  private static final int NAME_LENGTH = 100;
  private static final byte[] ZEROS = new byte[2 * BLOCK];

  private final OutputStream out;
  private final byte[] header = new byte[BLOCK];

  TarWriter(OutputStream out) {
    this.out = out;
  }

  /** Writes the header (and a pax header before it if needed) for an entry with {@code size} content bytes. */
  void writeHeader(LayerEntry e, long size, long mtime) throws IOException {
    byte[] name = e.path().getBytes(UTF_8);
    byte[] link = e.linkTarget().getBytes(UTF_8);
    ByteArrayOutputStream pax = new ByteArrayOutputStream();
    if (name.length > NAME_LENGTH || !isAscii(name)) {
      record(pax, "path", name);
    }
    if (link.length > NAME_LENGTH || !isAscii(link)) {
      record(pax, "linkpath", link);
    }
    if (size > MAX_OCTAL_11) {
      record(pax, "size", Long.toString(size).getBytes(US_ASCII));
    }
    if (e.uid() > MAX_OCTAL_7) {
      record(pax, "uid", Long.toString(e.uid()).getBytes(US_ASCII));
    }
    if (e.gid() > MAX_OCTAL_7) {
      record(pax, "gid", Long.toString(e.gid()).getBytes(US_ASCII));
    }
    for (Map.Entry<String, byte[]> x : e.rawXattrs().entrySet()) {
      record(pax, "SCHILY.xattr." + x.getKey(), x.getValue());
    }
    if (pax.size() > 0) {
      byte[] records = pax.toByteArray();
      fill(paxHeaderName(name), (byte) 'x', 0644, 0, 0, records.length, mtime, new byte[0], 0, 0);
      out.write(header);
      out.write(records);
      pad(records.length);
    }
    fill(name, typeFlag(e.type()), e.mode(), e.uid(), e.gid(), size, mtime, link, e.devMajor(), e.devMinor());
    out.write(header);
  }

  /** Zero-fills the last block of an entry whose content was {@code size} bytes. */
  void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(ZEROS, 0, BLOCK - rest);
    }
  }

  /** Writes the two zero blocks that end an archive. */
  void finish() throws IOException {
    out.write(ZEROS);
  }

  private static byte typeFlag(LayerEntry.Type type) {
    return switch (type) {
      case FILE -> '0';
      case HARD_LINK -> '1';
      case SYMLINK -> '2';
      case CHAR_DEVICE -> '3';
      case BLOCK_DEVICE -> '4';
      case DIRECTORY -> '5';
      case FIFO -> '6';
    };
  }

  private void fill(
      byte[] name, byte type, int mode, long uid, long gid, long size, long mtime, byte[] link, int major, int minor) {
    Arrays.fill(header, (byte) 0);
    ustarName(name, 0);
    octal(100, 8, mode);
    octal(108, 8, uid > MAX_OCTAL_7 ? 0 : uid);
    octal(116, 8, gid > MAX_OCTAL_7 ? 0 : gid);
    octal(124, 12, size > MAX_OCTAL_11 ? 0 : size);
    octal(136, 12, mtime);
    header[156] = type;
    ustarName(link, 157);
    System.arraycopy("ustar\0".getBytes(US_ASCII), 0, header, 257, 6);
    header[263] = '0';
    header[264] = '0';
    octal(329, 8, major);
    octal(337, 8, minor);
    Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    octal(148, 7, sum);
    header[155] = ' ';
  }

  /** The first 100 bytes of a name, non-ASCII bytes replaced; a pax record carries the real one. */
  private void ustarName(byte[] name, int offset) {
    int n = Math.min(name.length, NAME_LENGTH);
    for (int i = 0; i < n; i++) {
      header[offset + i] = name[i] < 0 ? (byte) '_' : name[i];
    }
  }

  private void octal(int offset, int width, long value) {
    int digits = width - 1;
    for (int i = digits - 1; i >= 0; i--) {
      header[offset + i] = (byte) ('0' + (value & 7));
      value >>>= 3;
    }
    header[offset + digits] = 0;
  }

  private static byte[] paxHeaderName(byte[] name) {
    int start = name.length;
    while (start > 0 && name[start - 1] == '/') {
      start--;
    }
    int end = start;
    while (start > 0 && name[start - 1] != '/') {
      start--;
    }
    byte[] prefix = "PaxHeaders/".getBytes(US_ASCII);
    int n = Math.min(end - start, NAME_LENGTH - prefix.length);
    byte[] out = Arrays.copyOf(prefix, prefix.length + n);
    System.arraycopy(name, start, out, prefix.length, n);
    return out;
  }

  /** Appends {@code "<len> key=value\n"}, where len counts the whole record including its own digits. */
  private static void record(ByteArrayOutputStream pax, String key, byte[] value) {
    byte[] k = key.getBytes(UTF_8);
    int body = k.length + value.length + 3;
    int len = body + Integer.toString(body).length();
    if (Integer.toString(len).length() > Integer.toString(body).length()) {
      len++;
    }
    pax.writeBytes((len + " ").getBytes(US_ASCII));
    pax.writeBytes(k);
    pax.write('=');
    pax.writeBytes(value);
    pax.write('\n');
  }

  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }
}
