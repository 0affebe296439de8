package dev.ferry.globalfunc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The GlobalFunc HTTP gateway: the original API ({@code POST /gfgo/} with {@code pack_func}, {@code kwargs},
 * {@code args}; {@code GET /}), the REST form ({@code POST /v1/functions/{name}:invoke}, listing, details, search),
 * an OpenAPI document, Prometheus {@code /metrics} and the {@code /ui} page, on Jetty. Errors are one envelope
 * {@code {"ok": false, "error": {"type", "message", "traceback", "phase"}}}. Thread-safe.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

  /** Default largest request body: 16 MiB. */
  public static final long DEFAULT_MAX_BODY = 16L << 20;

  private final Invoker invoker;
  private final Tokens tokens;
  private final long maxBody;
  private final Server server;
  private final ServerConnector connector;

  public Gateway(Invoker invoker, InetSocketAddress listen, Tokens tokens, long maxBody) {
    this.invoker = invoker;
    this.tokens = tokens;
    this.maxBody = maxBody;
    QueuedThreadPool threads = new QueuedThreadPool(256, 8);
    threads.setName("ferry-gateway");
    this.server = new Server(threads);
    HttpConfiguration cfg = new HttpConfiguration();
    cfg.setSendServerVersion(false);
    cfg.setSendDateHeader(false);
    this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(cfg));
    connector.setHost(listen.getHostString());
    connector.setPort(listen.getPort());
    server.addConnector(connector);
    server.setHandler(new Routes());
    Logger jetty = Logger.getLogger("org.eclipse.jetty");
    if (jetty.getLevel() == null) {
      jetty.setLevel(Level.WARNING);
    }
  }

  /** Starts listening. */
  public Gateway start() throws IOException {
    try {
      server.start();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("could not start the gateway on " + connector.getHost() + ":" + connector.getPort() + ": " + e.getMessage(), e);
    }
    return this;
  }

  /** The port listened on (the chosen one when 0 was asked for). */
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.log(Level.FINE, "stopping the gateway", e);
    }
    invoker.close();
  }

  private final class Routes extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      String method = request.getMethod();
      String route = path;
      int status;
      try {
        if (path.equals("/gfgo/") || path.equals("/gfgo")) {
          route = "/gfgo/";
          requireMethod(method, "POST");
          status = gfgo(request, response, callback);
        } else if (path.startsWith("/v1/functions/") && path.endsWith(":invoke")) {
          route = "/v1/functions/{name}:invoke";
          requireMethod(method, "POST");
          status = invoke(request, response, callback, path.substring("/v1/functions/".length(), path.length() - ":invoke".length()));
        } else if (path.equals("/")) {
          status = root(request, response, callback, method);
        } else if (path.equals("/v1/functions")) {
          requireMethod(method, "GET");
          status = list(request, response, callback);
        } else if (path.startsWith("/v1/functions/")) {
          route = "/v1/functions/{name}";
          requireMethod(method, "GET");
          status = detail(request, response, callback, path.substring("/v1/functions/".length()));
        } else if (path.equals("/v1/search")) {
          requireMethod(method, "GET");
          status = search(request, response, callback);
        } else if (path.equals("/metrics")) {
          requireMethod(method, "GET");
          status = send(response, callback, 200, "text/plain; version=0.0.4; charset=utf-8", invoker.metrics().render(invoker.pools()));
        } else if (path.equals("/openapi.json")) {
          requireMethod(method, "GET");
          status = send(response, callback, 200, "application/json", resource("openapi.json"));
        } else if (path.equals("/ui/")) {
          // the page fetches relative URLs (v1/…), which only resolve from /ui
          response.setStatus(301);
          response.getHeaders().put(HttpHeader.LOCATION, "/ui");
          response.write(true, ByteBuffer.allocate(0), callback);
          status = 301;
        } else if (path.equals("/ui")) {
          route = "/ui";
          requireMethod(method, "GET");
          status = send(response, callback, 200, "text/html; charset=utf-8", resource("ui.html"));
        } else if (path.equals("/healthz")) {
          status = send(response, callback, 200, "text/plain", "ok\n");
        } else {
          route = "other";
          throw new FunctionException(404, "NotFound", "no route " + method + " " + path + "; see /openapi.json", FunctionException.Phase.LOAD);
        }
      } catch (FunctionException e) {
        status = error(response, callback, e);
      } catch (RuntimeException | IOException e) {
        LOG.log(Level.WARNING, "gateway " + method + " " + path, e);
        status = error(response, callback, new FunctionException(500, "InternalError", String.valueOf(e.getMessage()), FunctionException.Phase.RUN));
      }
      invoker.metrics().request(route, status);
      return true;
    }
  }

  private static void requireMethod(String method, String wanted) throws FunctionException {
    if (!method.equals(wanted)) {
      throw new FunctionException(405, "MethodNotAllowed", "use " + wanted + ", not " + method, FunctionException.Phase.LOAD);
    }
  }

  private int root(Request request, Response response, Callback callback, String method) throws FunctionException, IOException {
    if (method.equals("GET")) {
      return send(response, callback, 200, "text/plain; charset=utf-8",
          "【GET】This is Website for Internal API System\n"
              + "Please Refer to API document: /openapi.json (POST /gfgo/ {\"pack_func\": \"Base.inverse_time_str\", \"kwargs\": {...}}), /ui\n");
    }
    requireMethod(method, "POST");
    JsonNode body = readJson(request);
    ObjectNode msg = PythonWorker.JSON.createObjectNode().put("info", "【POST】This is Website for Internal API System");
    msg.set("input_dict", body);
    return send(response, callback, 200, "application/json", msg.toString());
  }

  private int gfgo(Request request, Response response, Callback callback) throws FunctionException, IOException {
    JsonNode body = readJson(request);
    if (!body.hasNonNull("pack_func") || !body.get("pack_func").isTextual()) {
      throw new FunctionException(400, "BadRequest", "the body needs \"pack_func\": \"Package.function\" (and \"kwargs\": {...})", FunctionException.Phase.LOAD);
    }
    Invoker.Result r = call(request, body.get("pack_func").asText(), body);
    return send(response, callback, 200, "application/json", r.resultJson());
  }

  private int invoke(Request request, Response response, Callback callback, String name) throws FunctionException, IOException {
    JsonNode body = readJson(request);
    Invoker.Result r = call(request, name, body);
    String out =
        "{\"ok\":true,\"key\":" + PythonWorker.JSON.writeValueAsString(r.key())
            + ",\"version\":\"" + r.version() + "\",\"result\":" + r.resultJson()
            + ",\"stdout\":" + PythonWorker.JSON.writeValueAsString(r.stdout())
            + ",\"duration_ms\":" + String.format(java.util.Locale.ROOT, "%.3f", r.nanos() / 1e6) + "}";
    return send(response, callback, 200, "application/json", out);
  }

  private Invoker.Result call(Request request, String name, JsonNode body) throws FunctionException {
    if (!body.isObject()) {
      throw new FunctionException(400, "BadRequest", "the body must be a JSON object", FunctionException.Phase.LOAD);
    }
    FunctionRecord f = invoker.resolve(name, text(body, "version"), text(body, "branch"));
    authorize(request, f.space());
    Invoker.Result r = invoker.call(f, body.path("args"), body.path("kwargs"));
    if (!r.stdout().isEmpty()) {
      LOG.info(() -> f.key() + " printed: " + r.stdout().stripTrailing());
    }
    return r;
  }

  private void authorize(Request request, String space) throws FunctionException {
    if (!tokens.admits(space, request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
      boolean given = request.getHeaders().get(HttpHeader.AUTHORIZATION) != null;
      throw new FunctionException(
          given ? 403 : 401, given ? "Forbidden" : "Unauthorized",
          given ? "the token is not valid for space " + space : "space " + space + " needs 'Authorization: Bearer TOKEN'",
          FunctionException.Phase.LOAD);
    }
  }

  private int list(Request request, Response response, Callback callback) throws FunctionException, IOException {
    Fields q = Request.extractQueryParameters(request);
    String space = Optional.ofNullable(q.getValue("space")).orElse(invoker.defaultSpace());
    authorize(request, space);
    ArrayNode out = PythonWorker.JSON.createArrayNode();
    for (FunctionRecord f : invoker.catalog().list(space, Optional.ofNullable(q.getValue("package")).orElse(""), Optional.ofNullable(q.getValue("branch")).orElse(""))) {
      Optional<FunctionRecord> cur = invoker.catalog().current(f.key());
      out.addObject()
          .put("key", f.key())
          .put("pack_func", f.packFunc())
          .put("package", f.packageName())
          .put("branch", f.branch())
          .put("name", f.name())
          .put("signature", f.signature())
          .put("summary", f.summary())
          .put("scanned_version", f.sha256())
          .put("published_version", cur.map(FunctionRecord::sha256).orElse(null))
          .put("error", f.error());
    }
    return send(response, callback, 200, "application/json", out.toString());
  }

  private int detail(Request request, Response response, Callback callback, String name) throws FunctionException, IOException {
    Fields q = Request.extractQueryParameters(request);
    String key;
    try {
      key = FunctionKeys.resolve(name, invoker.defaultSpace(), Optional.ofNullable(q.getValue("branch")).orElse(invoker.defaultBranch()));
    } catch (IllegalArgumentException e) {
      throw new FunctionException(400, "BadRequest", e.getMessage(), FunctionException.Phase.LOAD);
    }
    authorize(request, FunctionKeys.spaceOf(key));
    String version = q.getValue("version");
    Optional<FunctionRecord> f;
    try {
      f = version != null ? invoker.catalog().version(key, version) : invoker.catalog().current(key).or(() -> head(key));
    } catch (IllegalArgumentException e) {
      throw new FunctionException(400, "BadRequest", e.getMessage(), FunctionException.Phase.LOAD);
    }
    if (f.isEmpty()) {
      invoker.resolve(name, version, q.getValue("branch")); // throws the 404 with close names
      throw new FunctionException(404, "NotFound", "no function " + key, FunctionException.Phase.LOAD);
    }
    FunctionRecord r = f.get();
    ObjectNode o = PythonWorker.JSON.createObjectNode();
    o.put("key", r.key()).put("pack_func", r.packFunc()).put("package", r.packageName()).put("branch", r.branch()).put("name", r.name());
    o.put("version", r.sha256()).put("md5", r.md5()).put("modified", r.modified()).put("lines", r.lines());
    o.put("signature", r.signature()).put("docstring", r.docstring()).put("error", r.error()).put("code", r.code());
    o.set("params", PythonWorker.JSON.readTree(r.params()));
    Optional<FunctionRecord> cur = invoker.catalog().current(key);
    o.put("published_version", cur.map(FunctionRecord::sha256).orElse(null));
    ArrayNode versions = o.putArray("versions");
    for (FunctionVersion v : invoker.catalog().history(key)) {
      versions.addObject().put("version", v.sha256()).put("published_at", v.publishedAt()).put("current", v.current()).put("lines", v.lines()).put("signature", v.signature());
    }
    return send(response, callback, 200, "application/json", o.toString());
  }

  private Optional<FunctionRecord> head(String key) {
    try {
      return invoker.catalog().head(key);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private int search(Request request, Response response, Callback callback) throws FunctionException, IOException {
    Fields q = Request.extractQueryParameters(request);
    String text = Optional.ofNullable(q.getValue("q")).orElse("");
    int limit;
    try {
      limit = Math.max(1, Math.min(100, Integer.parseInt(Optional.ofNullable(q.getValue("limit")).orElse("20"))));
    } catch (NumberFormatException e) {
      throw new FunctionException(400, "BadRequest", "limit must be a number, got " + q.getValue("limit"), FunctionException.Phase.LOAD);
    }
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    ArrayNode out = PythonWorker.JSON.createArrayNode();
    for (SearchHit h : invoker.catalog().search(text, limit)) {
      if (!tokens.admits(FunctionKeys.spaceOf(h.key()), auth)) {
        continue;
      }
      out.addObject().put("key", h.key()).put("pack_func", h.packFunc()).put("signature", h.signature()).put("summary", h.summary()).put("version", h.sha256()).put("score", h.score());
    }
    return send(response, callback, 200, "application/json", out.toString());
  }

  private JsonNode readJson(Request request) throws FunctionException {
    long declared = request.getLength();
    if (declared > maxBody) {
      throw tooLarge();
    }
    byte[] body;
    try (InputStream in = Content.Source.asInputStream(request)) {
      body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody + 1));
    } catch (IOException e) {
      throw new FunctionException(400, "BadRequest", "could not read the body: " + e.getMessage(), FunctionException.Phase.LOAD);
    }
    if (body.length > maxBody) {
      throw tooLarge();
    }
    if (body.length == 0) {
      return PythonWorker.JSON.createObjectNode();
    }
    try {
      return PythonWorker.JSON.readTree(body);
    } catch (IOException e) {
      throw new FunctionException(400, "BadRequest", "the body is not JSON: " + e.getMessage().lines().findFirst().orElse(""), FunctionException.Phase.LOAD);
    }
  }

  private FunctionException tooLarge() {
    return new FunctionException(413, "PayloadTooLarge", "the body is larger than " + (maxBody >> 20) + " MiB (--max-body)", FunctionException.Phase.LOAD);
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private int error(Response response, Callback callback, FunctionException e) {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("ok", false);
    env.put("error", e.envelope());
    try {
      return send(response, callback, e.status(), "application/json", PythonWorker.JSON.writeValueAsString(env));
    } catch (IOException io) {
      callback.failed(io);
      return 500;
    }
  }

  private static int send(Response response, Callback callback, int status, String type, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, b.length);
    response.write(true, ByteBuffer.wrap(b), callback);
    return status;
  }

  private static final Map<String, String> RESOURCES = new java.util.concurrent.ConcurrentHashMap<>();

  private static String resource(String name) {
    return RESOURCES.computeIfAbsent(
        name,
        n -> {
          try (InputStream in = Gateway.class.getResourceAsStream("/dev/ferry/globalfunc/" + n)) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }

  /** The routes, for documentation and tests. */
  static List<String> routes() {
    return List.of("GET /", "POST /gfgo/", "POST /v1/functions/{name}:invoke", "GET /v1/functions", "GET /v1/functions/{name}", "GET /v1/search", "GET /openapi.json", "GET /metrics", "GET /ui");
  }
}
