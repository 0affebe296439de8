package dev.ferry.globalfunc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testing.Peers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP gateway on loopback with real python3 workers, spoken to by the JDK's HTTP client. */
class GatewayIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;
  Catalog catalog;
  Gateway gateway;
  HttpClient http = HttpClient.newHttpClient();
  String base;
  String addV1;

  @BeforeEach
  void setUp() throws Exception {
    Peers.require("python3");
    catalog = Catalog.open(tmp.resolve("catalog.db").toString());
    try (FunctionRepository repo = SeedRepository.create(tmp.resolve("GlobalFunc"))) {
      FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, SeedRepository.settings(), List.of("Base.inverse_time_str", "Base.greet", "Base.boom", "Base.make_set", "Base.crash", "Tools"));
      addV1 = catalog.current("sp_GlobalFunc.Tools_master.add").orElseThrow().sha256();
      Files.writeString(repo.root().resolve("Tools/add.py"), "def add(a, b):\n    return [a, b]\n");
      FunctionLibrary.publish(repo, catalog, FunctionKeys.DEFAULT_SPACE, SeedRepository.settings(), List.of("Tools.add"));
    }
    // a second space, guarded by a token
    FunctionRecord add = catalog.current("sp_GlobalFunc.Tools_master.add").orElseThrow();
    catalog.publish(List.of(new FunctionRecord("sp_Secret.Tools_master.add", "sp_Secret", "Tools", "master", "add", add.code(), add.sha256(), add.md5(),
        add.modified(), add.lines(), add.signature(), add.params(), add.docstring(), "")));
    Path tokens = tmp.resolve("tokens");
    Files.writeString(tokens, "# space token\nsp_Secret s3cret-token-1\n");
    Invoker invoker = new Invoker(catalog, SeedRepository.settings().withPool(0, 2, 8).withDeadline(Duration.ofSeconds(20)), new Metrics(), FunctionKeys.DEFAULT_SPACE, "master");
    gateway = new Gateway(invoker, new InetSocketAddress("127.0.0.1", 0), Tokens.read(tokens), 1 << 20).start();
    base = "http://127.0.0.1:" + gateway.port();
  }

  @AfterEach
  void tearDown() throws Exception {
    gateway.close();
    catalog.close();
  }

  HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void gfgo_seedRequest_givesTheSeedAnswer() throws Exception {
    HttpResponse<String> r = post("/gfgo/", "{\"pack_func\": \"Base.inverse_time_str\", \"kwargs\": {\"time_str\": \"2024-02-15 11:11:11\", \"bias_hours\": -8}}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).asLong()).isEqualTo(1707966671L);
    assertThat(post("/gfgo/", "{\"pack_func\": \"Tools.add\", \"args\": [1, 2]}").body()).isEqualTo("[1,2]");
    assertThat(get("/").body()).startsWith("【GET】This is Website for Internal API System");
    assertThat(JSON.readTree(post("/", "{\"a\": 1}").body()).get("input_dict").get("a").asInt()).isEqualTo(1);
  }

  @Test
  void invoke_pinsVersions_andReportsPrints() throws Exception {
    JsonNode latest = JSON.readTree(post("/v1/functions/Tools.add:invoke", "{\"kwargs\": {\"a\": 1, \"b\": 2}}").body());
    assertThat(latest.get("ok").asBoolean()).isTrue();
    assertThat(latest.get("result").toString()).isEqualTo("[1,2]");
    JsonNode pinned = JSON.readTree(post("/v1/functions/sp_GlobalFunc.Tools_master.add:invoke", "{\"kwargs\": {\"a\": 1, \"b\": 2}, \"version\": \"" + addV1.substring(0, 8) + "\"}").body());
    assertThat(pinned.get("result").asInt()).isEqualTo(3);
    assertThat(pinned.get("version").asText()).isEqualTo(addV1);
    JsonNode greet = JSON.readTree(post("/v1/functions/Base.greet:invoke", "{\"kwargs\": {\"name\": \"a\"}}").body());
    assertThat(greet.get("stdout").asText()).isEqualTo("greeting a\n");
  }

  @Test
  void errors_useTheEnvelope_withFittingStatusCodes() throws Exception {
    HttpResponse<String> missing = post("/gfgo/", "{\"pack_func\": \"Base.inverse_tim_str\", \"kwargs\": {}}");
    assertThat(missing.statusCode()).isEqualTo(404);
    JsonNode e = JSON.readTree(missing.body());
    assertThat(e.get("ok").asBoolean()).isFalse();
    assertThat(e.get("error").get("close").get(0).asText()).isEqualTo("Base.inverse_time_str");

    HttpResponse<String> badArgs = post("/gfgo/", "{\"pack_func\": \"Base.greet\", \"kwargs\": {\"nam\": \"x\"}}");
    assertThat(badArgs.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badArgs.body()).get("error").get("signature").asText()).isEqualTo("greet(name: str, punctuation: str = '!') -> str");

    HttpResponse<String> raised = post("/gfgo/", "{\"pack_func\": \"Base.boom\"}");
    assertThat(raised.statusCode()).isEqualTo(500);
    JsonNode err = JSON.readTree(raised.body()).get("error");
    assertThat(err.get("type").asText()).isEqualTo("ValueError");
    assertThat(err.get("phase").asText()).isEqualTo("run");
    assertThat(err.get("traceback").asText()).contains("raise ValueError(message)");

    HttpResponse<String> notJson = post("/gfgo/", "{\"pack_func\": \"Base.make_set\"}");
    assertThat(JSON.readTree(notJson.body()).get("error").get("result_type").asText()).isEqualTo("set");

    assertThat(post("/gfgo/", "not json").statusCode()).isEqualTo(400);
    assertThat(post("/gfgo/", "{\"kwargs\": {}}").statusCode()).isEqualTo(400);
    HttpResponse<String> big = post("/gfgo/", "{\"pack_func\": \"Tools.add\", \"kwargs\": {\"a\": \"" + "x".repeat(2 << 20) + "\"}}");
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(JSON.readTree(big.body()).get("error").get("type").asText()).isEqualTo("PayloadTooLarge");
    assertThat(get("/gfgo/").statusCode()).isEqualTo(405);
  }

  @Test
  void workerKilledMidCall_failsThatCall_andTheNextSucceeds() throws Exception {
    HttpResponse<String> killed = post("/gfgo/", "{\"pack_func\": \"Base.crash\", \"kwargs\": {\"kill\": true}}");
    assertThat(killed.statusCode()).isEqualTo(502);
    assertThat(JSON.readTree(killed.body()).get("error").get("type").asText()).isEqualTo("WorkerDied");
    assertThat(post("/gfgo/", "{\"pack_func\": \"Base.crash\"}").statusCode()).isEqualTo(200);
  }

  @Test
  void tokens_guardTheirSpaceOnly() throws Exception {
    String body = "{\"kwargs\": {\"a\": 1, \"b\": 2}}";
    assertThat(post("/v1/functions/sp_Secret.Tools_master.add:invoke", body).statusCode()).isEqualTo(401);
    assertThat(post("/v1/functions/sp_Secret.Tools_master.add:invoke", body, "Authorization", "Bearer wrong-token-x").statusCode()).isEqualTo(403);
    HttpResponse<String> ok = post("/v1/functions/sp_Secret.Tools_master.add:invoke", body, "Authorization", "Bearer s3cret-token-1");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).doesNotContain("s3cret");
    assertThat(post("/v1/functions/Tools.add:invoke", body).statusCode()).isEqualTo(200);
  }

  @Test
  void catalogRoutes_metrics_andOpenApi() throws Exception {
    post("/gfgo/", "{\"pack_func\": \"Tools.add\", \"args\": [1, 2]}");
    JsonNode list = JSON.readTree(get("/v1/functions?package=Base").body());
    assertThat(list.findValuesAsText("pack_func")).contains("Base.inverse_time_str", "Base.greet");
    JsonNode detail = JSON.readTree(get("/v1/functions/Tools.add").body());
    assertThat(detail.get("code").asText()).contains("return [a, b]");
    assertThat(detail.get("versions")).hasSize(2);
    JsonNode hits = JSON.readTree(get("/v1/search?q=hello").body());
    assertThat(hits.get(0).get("pack_func").asText()).isEqualTo("Base.greet");
    String metrics = get("/metrics").body();
    assertThat(metrics).contains("ferry_func_calls_total{function=\"sp_GlobalFunc.Tools_master.add\",outcome=\"ok\"} 1");
    assertThat(metrics).contains("ferry_func_call_seconds_bucket{function=\"sp_GlobalFunc.Tools_master.add\",le=\"+Inf\"} 1");
    assertThat(metrics).contains("ferry_func_queue_depth{function=\"sp_GlobalFunc.Tools_master.add\"");
    assertThat(metrics).contains("ferry_func_cold_starts_total{function=\"sp_GlobalFunc.Tools_master.add\"} 1");
    assertThat(JSON.readTree(get("/openapi.json").body()).get("paths").has("/gfgo/")).isTrue();
  }
}
