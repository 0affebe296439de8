package dev.ferry.globalfunc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.testing.Peers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calls through pools of real python3 workers. */
class WorkerPoolIT {
  @TempDir Path tmp;
  Catalog catalog;
  Invoker invoker;
  Metrics metrics = new Metrics();

  @BeforeEach
  void setUp() throws Exception {
    Peers.require("python3");
    catalog = Catalog.open(tmp.resolve("catalog.db").toString());
    try (FunctionRepository repo = SeedRepository.create(tmp.resolve("GlobalFunc"))) {
      FunctionLibrary.scan(repo, catalog, FunctionKeys.DEFAULT_SPACE, SeedRepository.settings());
      List<FunctionRecord> ok = catalog.list(FunctionKeys.DEFAULT_SPACE, "", "").stream().filter(f -> f.error().isEmpty()).toList();
      catalog.publish(ok);
      // a function that does not load, published directly to see what a call of it says
      catalog.publish(List.of(catalog.head("sp_GlobalFunc.Base_master.broken").orElseThrow()));
    }
    invoker = invoker(SeedRepository.settings().withPool(0, 2, 1).withDeadline(Duration.ofSeconds(3)).withMemoryLimit(256L << 20));
  }

  Invoker invoker(WorkerSettings s) {
    return new Invoker(catalog, s, metrics, FunctionKeys.DEFAULT_SPACE, "master");
  }

  @AfterEach
  void tearDown() throws Exception {
    invoker.close();
    catalog.close();
  }

  Invoker.Result call(String name, String kwargs) throws FunctionException {
    return invoker.call(invoker.resolve(name, null, null), "", kwargs);
  }

  @Test
  void call_seedExample_givesTheSeedAnswer() throws Exception {
    Invoker.Result r = call("Base.inverse_time_str", "{\"time_str\": \"2024-02-15 11:11:11\", \"bias_hours\": -8}");
    assertThat(r.resultJson()).isEqualTo("1707966671.0");
    assertThat(invoker.call(invoker.resolve("Tools.add", null, null), "[2, 3]", "").resultJson()).isEqualTo("5");
  }

  @Test
  void call_capturesPrints_andLoadsOnceForManyCalls() throws Exception {
    Invoker.Result first = call("Base.greet", "{\"name\": \"ferry\"}");
    assertThat(first.resultJson()).isEqualTo("\"hello ferry!\"");
    assertThat(first.stdout()).isEqualTo("greeting ferry\n");
    String pid = call("Base.crash", "{}").resultJson();
    for (int i = 0; i < 20; i++) {
      assertThat(call("Base.crash", "{}").resultJson()).isEqualTo(pid);
    }
    assertThat(metrics.render(invoker.pools())).contains("ferry_func_cold_starts_total{function=\"sp_GlobalFunc.Base_master.crash\"} 1");
  }

  @Test
  void call_errors_carryTypePhaseTracebackAndStatus() {
    assertThatThrownBy(() -> call("Base.boom", "{\"message\": \"kaput\"}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> {
          assertThat(e.status()).isEqualTo(500);
          assertThat(e.type()).isEqualTo("ValueError");
          assertThat(e.getMessage()).isEqualTo("kaput");
          assertThat(e.phase()).isEqualTo(FunctionException.Phase.RUN);
          assertThat(e.traceback()).contains("raise ValueError(message)");
        });
    assertThatThrownBy(() -> call("Base.broken", "{}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> {
          assertThat(e.phase()).isEqualTo(FunctionException.Phase.LOAD);
          assertThat(e.getMessage()).contains("SyntaxError");
        });
    assertThatThrownBy(() -> call("Base.greet", "{\"nme\": 1}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.details()).containsEntry("signature", "greet(name: str, punctuation: str = '!') -> str");
        });
    assertThatThrownBy(() -> call("Base.make_set", "{}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> {
          assertThat(e.type()).isEqualTo("ResultNotJSON");
          assertThat(e.getMessage()).contains("of type set");
        });
    assertThatThrownBy(() -> call("Base.inverse_tme_str", "{}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.getMessage()).contains("close names: Base.inverse_time_str");
        });
  }

  @Test
  void call_pastTheDeadline_killsTheWorker_andTheNextCallSucceeds() throws Exception {
    assertThatThrownBy(() -> call("Base.slow", "{\"seconds\": 30}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> assertThat(e.status()).isEqualTo(504));
    assertThat(call("Base.slow", "{\"seconds\": 0}").resultJson()).isEqualTo("0");
  }

  @Test
  void call_whenTheWorkerIsKilledMidCall_failsCleanly_andTheNextSucceeds() throws Exception {
    String before = call("Base.crash", "{}").resultJson();
    assertThatThrownBy(() -> call("Base.crash", "{\"kill\": true}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> {
          assertThat(e.status()).isEqualTo(502);
          assertThat(e.type()).isEqualTo("WorkerDied");
        });
    assertThat(call("Base.crash", "{}").resultJson()).isNotEqualTo(before);
  }

  @Test
  void call_overTheMemoryLimit_isAMemoryError_andTheWorkerLivesOn() throws Exception {
    assertThatThrownBy(() -> call("Base.hog", "{\"megabytes\": 1024}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> assertThat(e.type()).isEqualTo("MemoryError"));
    assertThat(call("Base.hog", "{\"megabytes\": 1}").resultJson()).isEqualTo("1048576");
  }

  @Test
  void call_beyondWorkersAndQueue_isRefusedWith429() throws Exception {
    // two workers busy, one call queued: the fourth concurrent call is refused
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      FunctionRecord slow = invoker.resolve("Base.slow", null, null);
      List<Future<String>> running = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        running.add(pool.submit(() -> invoker.call(slow, "", "{\"seconds\": 1.5}").resultJson()));
      }
      // the calls run on other threads: wait until their pool exists and one of them queues
      WorkerPool p = null;
      while (p == null || p.queued() < 1) {
        p = invoker.pools().values().stream().filter(x -> x.function().name().equals("slow")).findFirst().orElse(null);
        Thread.sleep(5);
      }
      assertThatThrownBy(() -> invoker.call(slow, "", "{\"seconds\": 0}"))
          .isInstanceOfSatisfying(FunctionException.class, e -> assertThat(e.status()).isEqualTo(429));
      for (Future<String> f : running) {
        assertThat(f.get()).isEqualTo("1.5");
      }
      assertThat(metrics.render(invoker.pools())).contains("ferry_func_errors_total{function=\"sp_GlobalFunc.Base_master.slow\",type=\"Overloaded\"} 1");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void reap_closesIdlePoolsOfVersionsNoAliasPointsAt_andTheyComeBackWhenCalled() throws Exception {
    FunctionRecord v1 = invoker.resolve("Tools.add", null, null);
    String code = "def add(a, b):\n    return a - b\n";
    byte[] b = code.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    catalog.publish(List.of(new FunctionRecord(v1.key(), v1.space(), v1.packageName(), v1.branch(), v1.name(), code, Scanner.hex("SHA-256", b),
        Scanner.hex("MD5", b), v1.modified(), 2, v1.signature(), v1.params(), "", "")));
    assertThat(invoker.call(v1, "[5, 3]", "").resultJson()).isEqualTo("8");
    Thread.sleep(1100); // the alias cache lives a second
    FunctionRecord v2 = invoker.resolve("Tools.add", null, null);
    assertThat(invoker.call(v2, "[5, 3]", "").resultJson()).isEqualTo("2");
    assertThat(invoker.pools()).hasSize(2);
    assertThat(invoker.reap(System.nanoTime())).isEqualTo(1);
    assertThat(invoker.pools().values()).extracting(p -> p.function().sha256()).containsExactly(v2.sha256());
    assertThat(invoker.call(invoker.resolve("Tools.add", v1.sha256().substring(0, 8), null), "[5, 3]", "").resultJson()).isEqualTo("8");
  }

  @Test
  void importPath_letsAFunctionImportItsSiblings() throws Exception {
    assertThatThrownBy(() -> call("Tools.add_twice", "{\"a\": 1, \"b\": 2}"))
        .isInstanceOfSatisfying(FunctionException.class, e -> assertThat(e.phase()).isEqualTo(FunctionException.Phase.LOAD));
    invoker.close();
    invoker = invoker(SeedRepository.settings().withImportPath(java.util.Optional.of(tmp.resolve("GlobalFunc"))));
    assertThat(call("Tools.add_twice", "{\"a\": 1, \"b\": 2}").resultJson()).isEqualTo("5");
  }

  @Test
  void minWarm_startsWorkersBeforeTheFirstCall_andPinnedVersionsStayCallable() throws Exception {
    invoker.close();
    invoker = invoker(SeedRepository.settings().withPool(2, 2, 4));
    FunctionRecord add = invoker.resolve("Tools.add", null, null);
    invoker.warm(add);
    assertThat(invoker.awaitWarm(add, 2, 30)).isTrue();
    assertThat(invoker.call(invoker.resolve("Tools.add", add.sha256().substring(0, 8), null), "[1, 2]", "").resultJson()).isEqualTo("3");
    assertThatThrownBy(() -> invoker.resolve("Tools.add", "abcdef12", null))
        .isInstanceOfSatisfying(FunctionException.class, e -> assertThat(e.status()).isEqualTo(404));
  }
}
