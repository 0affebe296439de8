package dev.ferry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 that forwards bytes to a target and can cut one connection after a given number of
 * bytes in one direction, to test how a client survives a dropped connection. Counts the bytes it forwards in each
 * direction. Thread-safe.
 *
 * <p>A cut forwards exactly the armed number of bytes, then resets both sides of that connection (SO_LINGER 0, so
 * the client sees a reset rather than a clean end of stream). Each arm cuts once.
 */
public final class FlakyProxy implements AutoCloseable {
  /** Which way bytes flow. */
  public enum Direction {
    /** Client to server: request bodies, uploads. */
    UPSTREAM,
    /** Server to client: responses, downloads. */
    DOWNSTREAM
  }

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final AtomicLong upstream = new AtomicLong();
  private final AtomicLong downstream = new AtomicLong();
  /** Bytes left before the cut per direction; negative when not armed. */
  private final AtomicLong[] cutIn = {new AtomicLong(-1), new AtomicLong(-1)};
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private FlakyProxy(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
  }

  /** Starts a proxy to {@code host:port} (on this machine) on a free loopback port. */
  public static FlakyProxy start(String targetHost, int targetPort) throws IOException {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    FlakyProxy p = new FlakyProxy(s, new InetSocketAddress(targetHost, targetPort));
    Thread.ofVirtual().name("flaky-proxy-accept").start(p::acceptLoop);
    return p;
  }

  /** The proxy's port on 127.0.0.1. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code 127.0.0.1:PORT}. */
  public String host() {
    return "127.0.0.1:" + port();
  }

  /** Cuts the connection that carries the {@code bytes}-th byte (counted from now) in {@code direction}. */
  public void cutAfter(Direction direction, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
    }
    cutIn[direction.ordinal()].set(bytes);
  }

  /** Bytes forwarded in {@code direction} since start or the last {@link #resetCounters}. */
  public long bytes(Direction direction) {
    return direction == Direction.UPSTREAM ? upstream.get() : downstream.get();
  }

  /** How many connections were cut. */
  public int cuts() {
    return cuts.get();
  }

  /** How many client connections were accepted. */
  public int connections() {
    return connections.get();
  }

  public void resetCounters() {
    upstream.set(0);
    downstream.set(0);
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        connections.incrementAndGet();
        Socket upstreamSocket = new Socket();
        try {
          upstreamSocket.connect(target, 5000);
        } catch (IOException e) {
          client.close();
          continue;
        }
        open.add(client);
        open.add(upstreamSocket);
        AtomicInteger done = new AtomicInteger();
        Thread.ofVirtual().start(() -> pump(client, upstreamSocket, Direction.UPSTREAM, done));
        Thread.ofVirtual().start(() -> pump(upstreamSocket, client, Direction.DOWNSTREAM, done));
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, Direction direction, AtomicInteger done) {
    AtomicLong counter = direction == Direction.UPSTREAM ? upstream : downstream;
    AtomicLong cut = cutIn[direction.ordinal()];
    byte[] buf = new byte[64 * 1024];
    // Not try-with-resources: closing a socket's stream closes the socket, and the other direction may still flow.
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        int forward = n;
        boolean cutNow = false;
        long left;
        while ((left = cut.get()) >= 0) {
          if (left >= n) {
            if (cut.compareAndSet(left, left - n)) {
              break;
            }
          } else if (cut.compareAndSet(left, -1)) {
            forward = (int) left;
            cutNow = true;
            break;
          }
        }
        out.write(buf, 0, forward);
        out.flush();
        counter.addAndGet(forward);
        if (cutNow) {
          cuts.incrementAndGet();
          reset(from);
          reset(to);
          return;
        }
      }
      // Half-close: pass the end of stream on, keep the other direction flowing.
      to.shutdownOutput();
      if (done.incrementAndGet() == 2) {
        from.close();
        to.close();
        open.remove(from);
        open.remove(to);
      }
    } catch (IOException e) {
      reset(from);
      reset(to);
    }
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : open) {
      reset(s);
    }
  }
}
