package dev.ferry.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Headless Chromium (Debian's {@code chromium}) driven over the Chrome DevTools Protocol on its websocket, with the
 * JDK's HTTP client: navigate, evaluate JavaScript, wait for a condition, take a screenshot. One page. Not
 * thread-safe.
 */
public final class Chromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  private Chromium(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  /** Starts Chromium with its profile in {@code profile} and connects to its first page. Skips where it is missing. */
  public static Chromium start(Path profile) throws IOException, InterruptedException {
    Path exe = Peers.require("chromium");
    Files.createDirectories(profile);
    Process p =
        new ProcessBuilder(
                exe.toString(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,860", "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(profile.resolve("chromium.log").toFile())
            .start();
    Path portFile = profile.resolve("DevToolsActivePort");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
      if (!p.isAlive() || System.nanoTime() > until) {
        p.destroyForcibly();
        throw new IOException("chromium did not open its DevTools port: " + Files.readString(profile.resolve("chromium.log")));
      }
      Thread.sleep(50);
    }
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
    HttpClient http = HttpClient.newHttpClient();
    String wsUrl = null;
    while (wsUrl == null) {
      JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
      for (JsonNode t : targets) {
        if ("page".equals(t.path("type").asText())) {
          wsUrl = t.path("webSocketDebuggerUrl").asText();
        }
      }
      if (wsUrl == null) {
        Thread.sleep(50);
      }
    }
    Chromium[] self = new Chromium[1];
    StringBuilder partial = new StringBuilder();
    WebSocket ws =
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create(wsUrl),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                      String text = partial.toString();
                      partial.setLength(0);
                      try {
                        JsonNode m = JSON.readTree(text);
                        if (m.has("id")) {
                          CompletableFuture<JsonNode> f = self[0].pending.remove(m.get("id").asInt());
                          if (f != null) {
                            f.complete(m);
                          }
                        }
                      } catch (IOException e) {
                        // a malformed message from the browser: ignored, the caller times out
                      }
                    }
                    w.request(1);
                    return null;
                  }
                })
            .join();
    self[0] = new Chromium(p, ws);
    self[0].send("Page.enable", Map.of());
    return self[0];
  }

  /** Sends a DevTools command and returns its {@code result}. */
  public JsonNode send(String method, Map<String, ?> params) throws IOException {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
    msg.set("params", JSON.valueToTree(params));
    socket.sendText(msg.toString(), true).join();
    JsonNode answer;
    try {
      answer = f.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException(method + " got no answer: " + e, e);
    }
    if (answer.has("error")) {
      throw new IOException(method + " failed: " + answer.get("error"));
    }
    return answer.path("result");
  }

  /** Loads {@code url} and waits until its document is complete. */
  public void navigate(String url) throws IOException, InterruptedException {
    send("Page.navigate", Map.of("url", url));
    waitFor("document.readyState === 'complete' && location.href.startsWith(" + JSON.writeValueAsString(url.replaceFirst("#.*", "")) + ")", Duration.ofSeconds(30));
  }

  /** The value of the JavaScript expression {@code js} (promises awaited), as JSON. */
  public JsonNode eval(String js) throws IOException {
    JsonNode r = send("Runtime.evaluate", Map.of("expression", js, "returnByValue", true, "awaitPromise", true));
    if (r.has("exceptionDetails")) {
      throw new IOException("JavaScript failed: " + r.get("exceptionDetails").path("exception").path("description").asText(r.get("exceptionDetails").toString()));
    }
    return r.path("result").path("value");
  }

  /** Waits until the JavaScript condition {@code js} is true. */
  public void waitFor(String js, Duration timeout) throws IOException, InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (!eval("!!(" + js + ")").asBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + js + "; page: " + eval("document.body ? document.body.innerText.slice(0, 2000) : ''").asText());
      }
      Thread.sleep(25);
    }
  }

  /** Saves a PNG of the page as it is now. */
  public void screenshot(Path png) throws IOException {
    JsonNode r = send("Page.captureScreenshot", Map.of("format", "png"));
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.write(png, Base64.getDecoder().decode(r.path("data").asText()));
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the browser is killed below anyway
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
