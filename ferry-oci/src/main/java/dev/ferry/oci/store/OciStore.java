package dev.ferry.oci.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.DigestMismatchException;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.MediaType;
import dev.ferry.oci.Nullable;
import dev.ferry.oci.internal.json.OciJson;
import dev.ferry.oci.io.DigestingSink;
import dev.ferry.oci.io.DirectBuffers;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Ferry's content store: an OCI image layout 1.1 directory. The only class that knows the layout on disk.
 * Thread-safe, and safe for several processes using the same directory.
 *
 * <p>Layout: {@code oci-layout}, {@code index.json} (names are {@value Descriptor#REF_NAME} annotations),
 * {@code blobs/<alg>/<hex>}, and Ferry's private {@code .ferry/} (in-progress writes and the index lock). Every
 * blob is written to {@code .ferry/ingest/}, hashed and counted while streaming, checked against what the caller
 * expected, and then moved into place atomically, so a reader never sees a partial blob and a process killed at
 * any point leaves only a temp file that {@link #gc} removes. {@code index.json} is rewritten the same way under
 * an exclusive lock.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/image-layout.md">OCI image layout</a>
 */
public final class OciStore {
  static final String LAYOUT_FILE = "oci-layout";
  static final String INDEX_FILE = "index.json";
  private static final String PRIVATE_DIR = ".ferry";
  private static final int COPY_BUFFER = 256 * 1024;
  /** Direct bytes a blob writer gathers before one file write. */
  private static final int STAGED_BUFFER = 1 << 20;
  /** Staging buffers of finished writers, kept for the next ones: a registry takes many uploads at once. */
  private static final DirectBuffers STAGED_POOL = new DirectBuffers(STAGED_BUFFER, 16);
  /**
   * {@link BlobWriter#transferFrom} copies and hashes in slices this large: big enough that the hand-over between
   * the two threads costs nothing, small enough that the slice is still in the page cache when it is hashed.
   */
  static final long TRANSFER_SLICE = 8L << 20;
  /** Read-back buffer of the hashing helper. */
  static final int HASH_BUFFER = 1 << 20;
  /** Hashing helpers of {@link BlobWriter#transferFrom}; daemon threads, so they never keep the JVM alive. */
  private static final ExecutorService HASHERS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "ferry-blob-hash");
            t.setDaemon(true);
            return t;
          });
  /** Manifests, indexes and configs larger than this are refused: registries cap them at 4 MiB. */
  public static final int MAX_DOCUMENT_SIZE = 32 * 1024 * 1024;

  private final Path root;
  private final Path blobs;
  private final Path ingest;
  private final Path lockFile;
  private final WriterLock writerLock;
  private volatile @Nullable ParsedIndex parsedIndex;

  private OciStore(Path root) {
    this.root = root;
    this.blobs = root.resolve("blobs");
    this.ingest = root.resolve(PRIVATE_DIR).resolve("ingest");
    this.lockFile = root.resolve(PRIVATE_DIR).resolve("index.lock");
    this.writerLock = WriterLock.of(root.resolve(PRIVATE_DIR).resolve("writers.lock"));
  }

  /** Opens the store at {@code root}, creating an empty layout when the directory is missing or empty. */
  public static OciStore open(Path root) throws IOException {
    Path r = root.toAbsolutePath().normalize();
    Files.createDirectories(r);
    OciStore s = new OciStore(r);
    s.init();
    return s;
  }

  /** The default store: {@code $FERRY_HOME}, else {@code ~/.local/share/ferry}. */
  public static Path defaultRoot() {
    String home = System.getenv("FERRY_HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home);
    }
    return Path.of(System.getProperty("user.home"), ".local", "share", "ferry");
  }

  private void init() throws IOException {
    Path layout = root.resolve(LAYOUT_FILE);
    if (Files.exists(layout)) {
      JsonNode n = OciJson.parseObject(Files.readAllBytes(layout), layout.toString());
      String v = OciJson.optText(n, "imageLayoutVersion").orElse("");
      if (!v.startsWith("1.")) {
        throw new IOException(
            layout + " declares imageLayoutVersion '" + v + "'; Ferry reads OCI image layout 1.x only");
      }
    } else {
      try (Stream<Path> entries = Files.list(root)) {
        List<String> others =
            entries.map(p -> p.getFileName().toString()).filter(n -> !isMadeByInit(n)).toList();
        if (!others.isEmpty() && !others.contains(INDEX_FILE)) {
          throw new IOException(
              root + " is not empty and not an OCI image layout (no oci-layout file); choose an empty directory");
        }
      }
      writeAtomically(layout, "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Files.createDirectories(blobs.resolve("sha256"));
    Files.createDirectories(ingest);
    if (!Files.exists(root.resolve(INDEX_FILE))) {
      try (StoreLock.Held l = StoreLock.acquire(lockFile)) {
        if (!Files.exists(root.resolve(INDEX_FILE))) {
          writeIndexFile(List.of());
        }
      }
    }
  }

  /**
   * Whether {@code init} itself makes a file of this name: another process opening the same fresh directory at the
   * same time may already have made it, and that must not make the directory look foreign.
   */
  private static boolean isMadeByInit(String name) {
    return name.equals(PRIVATE_DIR)
        || name.equals(LAYOUT_FILE)
        || name.equals("blobs")
        || (name.startsWith("." + LAYOUT_FILE + ".") && name.endsWith(".tmp"))
        || (name.startsWith("." + INDEX_FILE + ".") && name.endsWith(".tmp"));
  }

  public Path root() {
    return root;
  }

  /**
   * A directory {@code .ferry/<component>} for a component's private state (the registry server keeps upload
   * sessions and repository links there), created if missing. It lives in the store so that files in it can be
   * committed as blobs by an atomic rename ({@link #resumeBlob}); {@link GarbageCollector} never touches it.
   *
   * @param component a plain lowercase name such as {@code registry}
   */
  public Path privateDirectory(String component) throws IOException {
    if (!component.matches("[a-z][a-z0-9-]{0,63}") || component.equals("ingest")) {
      throw new IllegalArgumentException(
          "private directory component must be a plain lowercase name other than 'ingest', got '" + component + "'");
    }
    Path dir = root.resolve(PRIVATE_DIR).resolve(component);
    Files.createDirectories(dir);
    return dir;
  }

  // ---------------------------------------------------------------- blobs

  /** Where a blob lives; it may not exist. */
  Path blobPath(Digest digest) {
    return blobs.resolve(digest.algorithm().id()).resolve(digest.hex());
  }

  public boolean exists(Digest digest) {
    return Files.isRegularFile(blobPath(digest));
  }

  /** The stored size of a blob. */
  public long size(Digest digest) throws IOException {
    try {
      return Files.size(blobPath(digest));
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(digest, root.toString());
    }
  }

  /**
   * Opens a blob for reading. The stream verifies the content against the digest when it reaches the end and
   * throws {@link DigestMismatchException} if the file was corrupted on disk.
   */
  public InputStream open(Digest digest) throws IOException {
    Path p = blobPath(digest);
    InputStream in;
    long size;
    try {
      in = Files.newInputStream(p);
      size = Files.size(p);
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(digest, root.toString());
    }
    return new VerifyingInputStream(in, digest, size, "blob " + digest + " in " + root);
  }

  /**
   * Opens a blob's file as a read-only channel, for kernel copies ({@link FileChannel#transferTo}) and positional
   * reads. Nothing is verified: a caller that hands the bytes on must hash them itself (as {@link #open} does).
   */
  public FileChannel channel(Digest digest) throws IOException {
    try {
      return FileChannel.open(blobPath(digest), java.nio.file.StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(digest, root.toString());
    }
  }

  /** Opens a blob, checking that its stored size is the size a descriptor declared. */
  public InputStream open(Descriptor d) throws IOException {
    long actual = size(d.digest());
    if (actual != d.size()) {
      throw new IOException(
          "blob " + d.digest() + " in " + root + " has " + actual + " bytes but its descriptor says " + d.size());
    }
    return open(d.digest());
  }

  /** Reads a whole small blob (a manifest, index or config), verified. */
  public byte[] read(Digest digest) throws IOException {
    long size = size(digest);
    if (size > MAX_DOCUMENT_SIZE) {
      throw new IOException(
          "blob " + digest + " is " + size + " bytes, too large to be a manifest or config (limit " + MAX_DOCUMENT_SIZE + ")");
    }
    try (InputStream in = open(digest)) {
      // Exactly the size known, not readAllBytes' growing 16 KiB buffers (a registry reads a manifest per GET).
      byte[] b = in.readNBytes((int) size);
      if (in.read() >= 0) {
        throw new IOException("blob " + digest + " in " + root + " grew while it was read");
      }
      return b; // the read of -1 verified digest and size
    }
  }

  /** Stores bytes and returns their descriptor. */
  public Descriptor put(String mediaType, byte[] bytes) throws IOException {
    try (BlobWriter w = newBlob()) {
      w.write(bytes);
      return Descriptor.of(mediaType, w.commit(), bytes.length);
    }
  }

  /** Stores bytes that must hash to {@code expected}; nothing is stored if they do not. */
  public void put(Digest expected, byte[] bytes) throws IOException {
    try (BlobWriter w = newBlob()) {
      w.write(bytes);
      w.commit(expected, bytes.length);
    }
  }

  /**
   * Streams a blob into the store, verifying it against {@code expected} (and {@code expectedSize} unless -1); on a
   * mismatch nothing is stored.
   */
  public void put(InputStream in, Digest expected, long expectedSize) throws IOException {
    try (BlobWriter w = newBlob()) {
      in.transferTo(w);
      w.commit(expected, expectedSize);
    }
  }

  /** A writer for a new blob whose digest is not known up front. */
  public BlobWriter newBlob() throws IOException {
    Path tmp = ingest.resolve(UUID.randomUUID() + ".tmp");
    return new BlobWriter(tmp, writerLock.shared());
  }

  /**
   * A writer that continues the blob kept in {@code file}, a file the caller owns under one of the store's
   * {@link #privateDirectory private directories} (so that committing is an atomic rename on the same file system).
   * Bytes already in the file are hashed first (once per call, so keep the writer open between appends), then
   * writes append to it. {@link BlobWriter#close()} without a commit keeps the file so that a later call can go on;
   * {@link BlobWriter#commit(Digest, long)} verifies digest and size like {@link #newBlob()} and moves the file into
   * place, or deletes it on a mismatch. Unlike {@link #newBlob()} the writer holds a {@link #session()} only while
   * committing, so a long-lived upload never blocks {@link GarbageCollector}.
   */
  public BlobWriter resumeBlob(Path file) throws IOException {
    Path f = file.toAbsolutePath().normalize();
    Path privateRoot = root.resolve(PRIVATE_DIR);
    if (!f.startsWith(privateRoot) || f.startsWith(ingest) || f.getParent().equals(privateRoot)) {
      throw new IllegalArgumentException(
          "a resumable blob must live in a private directory of the store " + privateRoot + ", got " + file);
    }
    return new BlobWriter(f);
  }

  /**
   * Opens {@code length} bytes of a blob from {@code offset}, for HTTP range requests. Unlike {@link #open(Digest)}
   * the bytes are not verified (a part of a blob cannot be); the reader checks the whole.
   *
   * @throws BlobNotFoundException when the blob is absent
   * @throws IllegalArgumentException when the range is not inside the blob
   */
  public InputStream openRange(Digest digest, long offset, long length) throws IOException {
    Path p = blobPath(digest);
    FileChannel ch;
    try {
      ch = FileChannel.open(p, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(digest, root.toString());
    }
    long size = ch.size();
    if (offset < 0 || length < 0 || offset + length > size) {
      ch.close();
      throw new IllegalArgumentException(
          "range " + offset + "+" + length + " is outside blob " + digest + " of " + size + " bytes");
    }
    ch.position(offset);
    InputStream whole = java.nio.channels.Channels.newInputStream(ch);
    return new java.io.FilterInputStream(whole) {
      private long left = length;

      @Override
      public int read() throws IOException {
        if (left <= 0) {
          return -1;
        }
        int b = super.read();
        if (b >= 0) {
          left--;
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int n = super.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
          left -= n;
        }
        return n;
      }
    };
  }

  /**
   * Starts a write session: until it is closed, {@link #gc} waits, so blobs written in the session survive until
   * the session names them. Wrap every multi-blob operation (import, pull, build) in one. Sessions nest and
   * overlap freely.
   */
  public Session session() throws IOException {
    StoreLock.Held held = writerLock.shared();
    return held::close;
  }

  /** A held write session; see {@link #session()}. */
  public interface Session extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  /** Runs {@code action} with no writer active, in this process or another. */
  <T> T exclusively(IoSupplier<T> action) throws IOException {
    try (StoreLock.Held l = writerLock.exclusive()) {
      return action.get();
    }
  }

  /** A supplier that may throw {@link IOException}. */
  @FunctionalInterface
  interface IoSupplier<T> {
    T get() throws IOException;
  }

  /** Removes a blob; true if it was there. References to it are not checked (that is {@link #gc}'s job). */
  public boolean delete(Digest digest) throws IOException {
    return Files.deleteIfExists(blobPath(digest));
  }

  /** Every blob digest in the store, in no particular order. Files whose names are not digests are skipped. */
  public List<Digest> blobs() throws IOException {
    List<Digest> out = new ArrayList<>();
    for (Digest.Algorithm a : Digest.Algorithm.values()) {
      Path dir = blobs.resolve(a.id());
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> s = Files.list(dir)) {
        s.forEach(
            p -> {
              String v = a.id() + ":" + p.getFileName();
              if (Digest.isDigest(v)) {
                out.add(Digest.parse(v));
              }
            });
      }
    }
    return out;
  }

  /** Temp files left by writers; a killed process leaves them behind. */
  List<Path> ingestFiles() throws IOException {
    try (Stream<Path> s = Files.list(ingest)) {
      return s.toList();
    }
  }

  /**
   * An output stream for one new blob: hashes while writing, then {@link #commit} moves it into place. Closing
   * without committing discards it. Not thread-safe (one caller at a time); {@link #transferFrom} hashes on a helper
   * thread of its own while the caller's thread copies.
   */
  public final class BlobWriter extends OutputStream implements DigestingSink {
    private final Path tmp;
    /** Held from creation for {@link #newBlob()}; taken at commit for {@link #resumeBlob}. */
    private StoreLock.@Nullable Held session;
    private final boolean resumable;
    private final FileChannel channel;
    private final OutputStream out;
    private final MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    /**
     * Direct-buffer writes waiting for the file, all after what {@link #out} holds: an HTTP server hands over what one
     * socket read gave (~40 KiB on loopback), and one file write per read was 14 k write calls per 512 MiB.
     */
    private @Nullable ByteBuffer staged;
    private long count;
    private boolean done;

    private BlobWriter(Path tmp, StoreLock.Held session) throws IOException {
      this.tmp = tmp;
      this.session = session;
      this.resumable = false;
      try {
        // READ too: transferFrom hashes what was written by reading it back (from the page cache).
        this.channel =
            FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
      } catch (IOException | RuntimeException e) {
        session.close();
        throw e;
      }
      this.out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), COPY_BUFFER);
    }

    /** A resumable writer: hashes what {@code file} holds, then appends. */
    private BlobWriter(Path file) throws IOException {
      this.tmp = file;
      this.session = null;
      this.resumable = true;
      Files.createDirectories(file.getParent());
      this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      // The digest state cannot be saved, so it is rebuilt from the bytes on disk.
      try (InputStream existing = Files.newInputStream(file)) {
        byte[] buf = new byte[COPY_BUFFER];
        int r;
        while ((r = existing.read(buf)) > 0) {
          md.update(buf, 0, r);
          count += r;
        }
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      this.out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), COPY_BUFFER);
    }

    /**
     * Flushes what was written to the file, so that {@link #count()} bytes are on disk (not forced to the device).
     * A resumable writer's caller reports that count to its client as the upload's progress.
     */
    @Override
    public void flush() throws IOException {
      out.flush();
      drainStaged();
    }

    @Override
    public void write(int b) throws IOException {
      drainStaged();
      out.write(b);
      md.update((byte) b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      drainStaged();
      out.write(b, off, len);
      md.update(b, off, len);
      count += len;
    }

    /**
     * Writes the remaining bytes of {@code src}, as {@link #write(byte[], int, int)} would; a direct buffer (as an
     * HTTP server receives into) is hashed and written to the file as it is, without a copy into the heap and back.
     * Leaves {@code src} fully consumed.
     */
    public void write(ByteBuffer src) throws IOException {
      if (!src.isDirect()) {
        int n = src.remaining();
        if (src.hasArray()) {
          write(src.array(), src.arrayOffset() + src.position(), n);
          src.position(src.limit());
        } else {
          byte[] b = new byte[n];
          src.get(b);
          write(b, 0, n);
        }
        return;
      }
      int n = src.remaining();
      int start = src.position();
      md.update(src);
      src.position(start);
      out.flush();
      if (staged == null) {
        staged = STAGED_POOL.take();
      }
      while (src.hasRemaining()) {
        int k = Math.min(staged.remaining(), src.remaining());
        staged.put(staged.position(), src, src.position(), k);
        staged.position(staged.position() + k);
        src.position(src.position() + k);
        if (!staged.hasRemaining()) {
          drainStaged();
        }
      }
      count += n;
    }

    /** Returns the staging buffer to the pool; call once its bytes are written or abandoned. */
    private void releaseStaged() {
      if (staged != null) {
        STAGED_POOL.give(staged);
        staged = null;
      }
    }

    /** Writes the staged direct bytes to the file. */
    private void drainStaged() throws IOException {
      if (staged != null && staged.position() > 0) {
        staged.flip();
        while (staged.hasRemaining()) {
          channel.write(staged);
        }
        staged.clear();
      }
    }

    /**
     * Appends {@code length} bytes of {@code source} starting at {@code position}, as {@link #write} would, but
     * faster: the kernel copies the bytes ({@link FileChannel#transferTo}, {@code copy_file_range} on Linux) in
     * slices of {@value #TRANSFER_SLICE} bytes, and a helper thread hashes each slice by reading it back from the
     * temp file while the next one is copied. So the digest is that of the bytes actually stored, even if the source
     * changes meanwhile, and both cores work. Memory use is one {@value #HASH_BUFFER}-byte buffer. The source's
     * position is not used or changed.
     *
     * @throws EOFException when {@code source} ends before {@code position + length}; the blob is then unusable
     *     (close it)
     */
    public void transferFrom(FileChannel source, long position, long length) throws IOException {
      if (done) {
        throw new IllegalStateException("blob writer already committed or closed");
      }
      if (position < 0 || length < 0) {
        throw new IllegalArgumentException("position and length must be >= 0, got " + position + " and " + length);
      }
      flush();
      byte[] buf = new byte[HASH_BUFFER];
      Future<?> hashing = null;
      try {
        for (long copied = 0; copied < length; ) {
          long n = Math.min(TRANSFER_SLICE, length - copied);
          long at = count;
          copyFully(source, position + copied, n);
          await(hashing);
          hashing = HASHERS.submit(() -> hashWritten(at, n, buf));
          copied += n;
          count += n;
        }
        await(hashing);
        hashing = null;
      } finally {
        if (hashing != null) {
          // Failing: let the helper finish its slice (milliseconds) so it never touches a closed channel.
          try {
            hashing.get();
          } catch (ExecutionException | InterruptedException | RuntimeException ignored) {
            if (ignored instanceof InterruptedException) {
              Thread.currentThread().interrupt();
            }
          }
        }
      }
    }

    private void copyFully(FileChannel source, long from, long n) throws IOException {
      long target = count + n;
      for (long left = n; left > 0; ) {
        long t = source.transferTo(from + (n - left), left, channel);
        if (t <= 0) {
          if (from + (n - left) >= source.size()) {
            throw new EOFException(
                "source ended at byte " + (from + (n - left)) + " of the " + n + "-byte range starting at " + from);
          }
          continue;
        }
        left -= t;
      }
      if (channel.position() != target) {
        throw new IOException("blob temp file " + tmp + " is at byte " + channel.position() + ", expected " + target);
      }
    }

    /** Runs on a helper thread: hashes {@code n} bytes of the temp file from {@code at}. */
    private Void hashWritten(long at, long n, byte[] buf) throws IOException {
      ByteBuffer bb = ByteBuffer.wrap(buf);
      for (long q = at, end = at + n; q < end; ) {
        bb.clear().limit((int) Math.min(buf.length, end - q));
        int r = channel.read(bb, q);
        if (r <= 0) {
          throw new EOFException("blob temp file " + tmp + " ended at byte " + q + " while hashing it, expected " + end);
        }
        md.update(buf, 0, r);
        q += r;
      }
      return null;
    }

    private static void await(Future<?> f) throws IOException {
      if (f == null) {
        return;
      }
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while hashing a blob");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException("hashing a blob failed: " + e.getCause(), e.getCause());
      }
    }

    /** Bytes written so far. */
    @Override
    public long count() {
      return count;
    }

    @Override
    public Digest digestSoFar() {
      try {
        return Digest.of(Digest.Algorithm.SHA256, ((MessageDigest) md.clone()).digest());
      } catch (CloneNotSupportedException e) {
        throw new IllegalStateException("SHA-256 implementation cannot be cloned", e);
      }
    }

    /** Commits whatever was written, under the digest it hashes to. */
    public Digest commit() throws IOException {
      return finish(null, -1);
    }

    /**
     * Commits only if the content hashes to {@code expected} and has {@code expectedSize} bytes (unless -1); on a
     * mismatch nothing is stored and {@link DigestMismatchException} names both digests.
     */
    public Digest commit(Digest expected, long expectedSize) throws IOException {
      return finish(expected, expectedSize);
    }

    private Digest finish(Digest expected, long expectedSize) throws IOException {
      if (done) {
        throw new IllegalStateException("blob writer already committed or closed");
      }
      done = true;
      if (session == null) {
        try {
          session = writerLock.shared();
        } catch (IOException | RuntimeException e) {
          channel.close();
          throw e;
        }
      }
      try {
        flush();
        channel.close();
        Digest actual = Digest.of(Digest.Algorithm.SHA256, md.digest());
        if (expectedSize >= 0 && count != expectedSize) {
          throw new IOException(
              "blob "
                  + (expected != null ? expected : actual)
                  + " has "
                  + count
                  + " bytes but "
                  + expectedSize
                  + " were expected (truncated input?); nothing was stored");
        }
        if (expected != null && !expected.equals(actual)) {
          throw new DigestMismatchException("blob", expected, actual, "nothing was stored");
        }
        Path target = blobPath(actual);
        if (Files.exists(target)) {
          // Same content already stored; refresh its time so a concurrent gc's grace period covers it.
          Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
          Files.deleteIfExists(tmp);
        } else {
          Files.createDirectories(target.getParent());
          moveAtomically(tmp, target);
        }
        return actual;
      } finally {
        releaseStaged();
        try {
          Files.deleteIfExists(tmp);
        } finally {
          session.close();
        }
      }
    }

    /**
     * Discards an uncommitted {@link #newBlob()} writer's bytes; a {@link #resumeBlob} writer's bytes are flushed
     * and kept in its file for a later resume.
     */
    @Override
    public void close() throws IOException {
      if (!done) {
        done = true;
        if (resumable) {
          try {
            flush();
          } finally {
            releaseStaged();
            channel.close();
          }
          return;
        }
        releaseStaged();
        try {
          channel.close();
          Files.deleteIfExists(tmp);
        } finally {
          session.close();
        }
      }
    }
  }

  /** Staging buffers waiting in the pool (for tests). */
  static int stagedBuffersPooled() {
    return STAGED_POOL.available();
  }

  private static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the store's file system cannot rename atomically (" + to + ")", e);
    } catch (FileAlreadyExistsException e) {
      // Another writer stored the same content first; its copy is identical by construction.
      Files.deleteIfExists(from);
    }
  }

  private void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes));
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // ---------------------------------------------------------------- index.json and names

  /** Every descriptor in {@code index.json}, in file order. */
  public List<Descriptor> entries() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(root.resolve(INDEX_FILE));
    } catch (NoSuchFileException e) {
      return List.of();
    }
    ParsedIndex cached = parsedIndex;
    if (cached != null && Arrays.equals(cached.bytes(), bytes)) {
      return cached.entries();
    }
    List<Descriptor> entries = Index.parse(bytes, Optional.of(MediaType.OCI_INDEX.value())).manifests();
    parsedIndex = new ParsedIndex(bytes, entries);
    return entries;
  }

  /**
   * {@code index.json} as last parsed: a registry answering manifest requests by tag reads the file (from the page
   * cache) but parses it again only when its bytes changed. Compared by content, not by file times, which are
   * coarser than the rate at which tags can change.
   */
  private record ParsedIndex(byte[] bytes, List<Descriptor> entries) {}

  /** The descriptor named {@code name}, if any. */
  public Optional<Descriptor> resolve(String name) throws IOException {
    return entries().stream().filter(d -> d.refName().filter(name::equals).isPresent()).findFirst();
  }

  /**
   * Atomically rewrites {@code index.json} under the store's lock: {@code change} gets the current entries and
   * returns the new ones.
   */
  public void updateEntries(UnaryOperator<List<Descriptor>> change) throws IOException {
    try (StoreLock.Held l = StoreLock.acquire(lockFile)) {
      List<Descriptor> updated = change.apply(new ArrayList<>(entries()));
      for (Descriptor d : updated) {
        if (!exists(d.digest())) {
          throw new BlobNotFoundException(d.digest(), root.toString());
        }
      }
      writeIndexFile(updated);
    }
  }

  /** Names {@code target} as {@code name}, replacing what the name pointed to before. */
  public void tag(String name, Descriptor target) throws IOException {
    Descriptor named = target.withAnnotation(Descriptor.REF_NAME, name);
    updateEntries(
        list -> {
          list.removeIf(d -> d.refName().filter(name::equals).isPresent());
          list.add(named);
          return list;
        });
  }

  /** Removes a name; true if it existed. Blobs stay until {@link #gc}. */
  public boolean untag(String name) throws IOException {
    boolean[] removed = {false};
    updateEntries(
        list -> {
          removed[0] = list.removeIf(d -> d.refName().filter(name::equals).isPresent());
          return list;
        });
    return removed[0];
  }

  private void writeIndexFile(List<Descriptor> entries) throws IOException {
    ObjectNode n = OciJson.object();
    n.put("schemaVersion", 2);
    n.put("mediaType", MediaType.OCI_INDEX.value());
    ArrayNode ms = n.putArray("manifests");
    entries.forEach(d -> ms.add(OciJson.toJson(d)));
    writeAtomically(root.resolve(INDEX_FILE), OciJson.bytes(n));
  }

  // ---------------------------------------------------------------- documents

  public Manifest readManifest(Descriptor d) throws IOException {
    return Manifest.parse(read(d.digest()), Optional.of(d.mediaType()));
  }

  public Index readIndex(Descriptor d) throws IOException {
    return Index.parse(read(d.digest()), Optional.of(d.mediaType()));
  }

  public ImageConfig readConfig(Descriptor d) throws IOException {
    return ImageConfig.parse(read(d.digest()));
  }

  /** Stores a manifest's exact bytes. */
  public Descriptor put(Manifest m) throws IOException {
    put(m.digest(), m.bytes());
    return m.descriptor();
  }

  public Descriptor put(Index i) throws IOException {
    put(i.digest(), i.bytes());
    return i.descriptor();
  }

  public Descriptor put(ImageConfig c) throws IOException {
    put(c.digest(), c.bytes());
    return Descriptor.of(MediaType.OCI_CONFIG, c.digest(), c.bytes().length);
  }
}
