package dev.ferry.registry.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Blocker;

/**
 * A request body read buffer by buffer as the HTTP layer received it. On Jetty these are its own (direct) read
 * buffers, which a blob writer hashes and writes to its file as they are; through the {@code HttpExchange}'s stream
 * every byte was copied into an array first and out of it again (three copies of each uploaded byte in all). Not
 * thread-safe; read once.
 */
final class Body {
  /** Receives each buffer; it must consume it (or copy what it keeps) before returning. */
  @FunctionalInterface
  interface Consumer {
    void accept(ByteBuffer buffer) throws IOException;
  }

  private static final int STREAM_BUFFER = 256 * 1024;

  private final HttpExchange ex;

  private Body(HttpExchange ex) {
    this.ex = ex;
  }

  static Body of(HttpExchange ex) {
    return new Body(ex);
  }

  /** Hands every buffer of the body to {@code each}, in order, until the end of the body. */
  void forEach(Consumer each) throws IOException {
    if (ex.getAttribute(RegistryServer.SOURCE_ATTRIBUTE) instanceof Content.Source source) {
      readChunks(source, each);
      return;
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] buf = new byte[STREAM_BUFFER];
      int n;
      while ((n = in.read(buf)) >= 0) {
        each.accept(ByteBuffer.wrap(buf, 0, n));
      }
    }
  }

  private static void readChunks(Content.Source source, Consumer each) throws IOException {
    while (true) {
      Content.Chunk chunk = source.read();
      if (chunk == null) {
        try (Blocker.Runnable more = Blocker.runnable()) {
          source.demand(more);
          more.block();
        }
        continue;
      }
      try {
        if (Content.Chunk.isFailure(chunk)) {
          Throwable t = chunk.getFailure();
          throw t instanceof IOException io ? io : new IOException("reading the request body failed: " + t, t);
        }
        ByteBuffer b = chunk.getByteBuffer();
        if (b.hasRemaining()) {
          each.accept(b);
        }
        if (chunk.isLast()) {
          return;
        }
      } finally {
        chunk.release();
      }
    }
  }
}
