package dev.ferry.globalfunc;

import dev.ferry.oci.io.Trees;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One persistent Python process running {@code worker.py}, spoken to in length-prefixed JSON frames over a Unix domain
 * socket that only it and this JVM can reach (a private directory; the socket file is removed once connected). Its
 * stdout goes nowhere and its stderr to a log file, so nothing a function prints can reach the protocol. Not
 * thread-safe: one request at a time (the pool guarantees it).
 */
public final class PythonWorker implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_FRAME = 1 << 30;
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "ferry-worker-deadlines");
            t.setDaemon(true);
            return t;
          });

  private final Process process;
  private final SocketChannel channel;
  private final Path dir;
  private final ByteBuffer header = ByteBuffer.allocate(4);
  private boolean broken;

  private PythonWorker(Process process, SocketChannel channel, Path dir) {
    this.process = process;
    this.channel = channel;
    this.dir = dir;
  }

  /** Starts a worker and waits (up to 30 s) until it has connected. */
  public static PythonWorker start(WorkerSettings settings) throws IOException {
    Path runtime = WorkerRuntime.path();
    Path dir = Files.createTempDirectory("ferry-worker-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path socket = dir.resolve("s");
    Process p = null;
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      List<String> cmd = new ArrayList<>(List.of(settings.python(), "-u", runtime.toString(), socket.toString()));
      if (settings.memoryLimit() > 0) {
        cmd.add(Long.toString(settings.memoryLimit()));
      }
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("stderr.log").toFile());
      pb.environment().putAll(settings.environment());
      pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      settings.importPath().ifPresent(d -> pb.directory(d.toFile()));
      try {
        p = pb.start();
      } catch (IOException e) {
        throw new IOException("could not start the Python worker '" + settings.python() + "': " + e.getMessage() + "; install python3 or pass --python", e);
      }
      server.configureBlocking(false);
      try (Selector sel = Selector.open()) {
        server.register(sel, SelectionKey.OP_ACCEPT);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        SocketChannel ch = null;
        while (ch == null) {
          long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
          if (left <= 0 || !p.isAlive()) {
            String why = p.isAlive() ? "did not connect within 30 s" : "exited with code " + p.waitFor();
            throw new IOException("the Python worker " + why + ": " + tail(dir.resolve("stderr.log")));
          }
          sel.select(Math.min(left, 100));
          ch = server.accept();
        }
        ch.configureBlocking(true);
        Files.deleteIfExists(socket);
        return new PythonWorker(p, ch, dir);
      }
    } catch (IOException | RuntimeException e) {
      if (p != null) {
        p.destroyForcibly();
      }
      Trees.deleteQuietly(dir); // a leftover private temp directory is harmless
      throw e;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Trees.deleteQuietly(dir); // a leftover private temp directory is harmless
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting a worker", e);
    }
  }

  /** The worker's process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the process runs and no request on it failed. */
  public boolean healthy() {
    return !broken && process.isAlive();
  }

  /**
   * Sends one request and returns the answer ({@code {"ok": …}}).
   *
   * @throws FunctionException 504 when {@code deadline} passed (the worker is killed), 502 when the worker died
   */
  public JsonNode request(ObjectNode req, Duration deadline) throws FunctionException {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(req);
    } catch (IOException e) {
      throw new FunctionException(400, "BadRequest", "arguments are not JSON: " + e.getMessage(), FunctionException.Phase.RUN);
    }
    AtomicBoolean expired = new AtomicBoolean();
    ScheduledFuture<?> timer =
        WATCHDOG.schedule(
            () -> {
              expired.set(true);
              process.destroyForcibly();
            },
            deadline.toNanos(),
            TimeUnit.NANOSECONDS);
    try {
      ByteBuffer out = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
      while (out.hasRemaining()) {
        channel.write(out);
      }
      header.clear();
      readFully(header);
      int size = header.flip().getInt();
      if (size < 0 || size > MAX_FRAME) {
        throw new IOException("worker sent a frame of " + size + " bytes");
      }
      ByteBuffer in = ByteBuffer.allocate(size);
      readFully(in);
      timer.cancel(false);
      return JSON.readTree(in.array());
    } catch (IOException e) {
      timer.cancel(false);
      broken = true;
      process.destroyForcibly();
      if (expired.get()) {
        throw new FunctionException(
            504, "DeadlineExceeded", "the call ran longer than " + human(deadline) + "; its worker was killed and will be replaced", FunctionException.Phase.RUN);
      }
      int code = waitExit();
      String log = tail(dir.resolve("stderr.log"));
      throw new FunctionException(
          502,
          "WorkerDied",
          "the worker running the call exited" + (code >= 0 ? " with code " + code : "") + (code == 137 || code == -9 ? " (killed)" : "")
              + (log.isEmpty() ? "" : ": " + log),
          "",
          FunctionException.Phase.RUN,
          Map.of());
    }
  }

  private int waitExit() {
    try {
      return process.waitFor(2, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private void readFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        throw new EOFException("worker closed the connection");
      }
    }
  }

  /** Stops the worker: closes its socket (it exits), then kills it if it has not gone within a second. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing is best effort; the process is killed below anyway
    }
    try {
      if (!process.waitFor(1, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    Trees.deleteQuietly(dir); // a leftover private temp directory is harmless
  }

  /** Kills the process at once (tests, and crash simulation). */
  void kill() {
    process.destroyForcibly();
  }

  private static String human(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String tail(Path log) {
    try {
      if (!Files.exists(log)) {
        return "";
      }
      String s = Files.readString(log).strip();
      String[] lines = s.split("\n");
      return lines.length == 0 ? "" : lines[lines.length - 1];
    } catch (IOException e) {
      return "";
    }
  }
}
