// Microbenchmarks of GlobalFunc inside one JVM (run by bench/globalfunc.sh with Ferry's class path):
//   roundtrip N        p50/p99 of a framed ping and of a call of a trivial function through a warm worker
//   scan REPO DB       seconds to scan a repository into a fresh SQLite catalog (Python ast included)
//   search DB N        p50/p99 of N searches over that catalog, words drawn from the functions' names
import dev.ferry.globalfunc.Catalog;
import dev.ferry.globalfunc.FunctionLibrary;
import dev.ferry.globalfunc.FunctionRecord;
import dev.ferry.globalfunc.FunctionRepository;
import dev.ferry.globalfunc.Invoker;
import dev.ferry.globalfunc.Metrics;
import dev.ferry.globalfunc.PythonWorker;
import dev.ferry.globalfunc.WorkerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

public class GlobalFuncBench {
  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "roundtrip" -> roundtrip(Integer.parseInt(a[1]), Path.of(a[2]));
      case "scan" -> scan(Path.of(a[1]), a[2]);
      case "search" -> search(a[1], Integer.parseInt(a[2]));
      default -> throw new IllegalArgumentException(a[0]);
    }
  }

  static String pct(long[] ns) {
    Arrays.sort(ns);
    return String.format("p50 %.1f us  p99 %.1f us", ns[ns.length / 2] / 1e3, ns[(int) (ns.length * 0.99)] / 1e3);
  }

  static void roundtrip(int n, Path catalogFile) throws Exception {
    WorkerSettings s = WorkerSettings.defaults().withPython(System.getenv().getOrDefault("FERRY_PYTHON", "python3"));
    try (PythonWorker w = PythonWorker.start(s)) {
      var ping = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("op", "ping");
      long[] t = new long[n];
      for (int i = -n; i < n; i++) { // the first n warm up the JIT
        long t0 = System.nanoTime();
        w.request(ping, Duration.ofSeconds(5));
        if (i >= 0) t[i] = System.nanoTime() - t0;
      }
      System.out.println("ping (frame to Python and back): " + pct(t));
    }
    try (Catalog c = Catalog.open(catalogFile.toString());
        Invoker inv = new Invoker(c, s.withPool(1, 1, 4), new Metrics(), "sp_GlobalFunc", "master")) {
      FunctionRecord f = inv.resolve("Bench.trivial", null, null);
      long[] t = new long[n];
      for (int i = -n; i < n; i++) {
        long t0 = System.nanoTime();
        inv.call(f, "", "{\"x\": 1}");
        if (i >= 0) t[i] = System.nanoTime() - t0;
      }
      System.out.println("call Bench.trivial through the pool: " + pct(t));
    }
  }

  static void scan(Path repo, String db) throws Exception {
    try (FunctionRepository r = FunctionRepository.open(repo); Catalog c = Catalog.open(db)) {
      long t0 = System.nanoTime();
      int n = FunctionLibrary.scan(r, c, "sp_GlobalFunc", WorkerSettings.defaults().withPython(System.getenv().getOrDefault("FERRY_PYTHON", "python3"))).size();
      System.out.printf("scan of %d functions: %.2f s%n", n, (System.nanoTime() - t0) / 1e9);
    }
  }

  static void search(String db, int n) throws Exception {
    try (Catalog c = Catalog.open(db)) {
      List<String> words = new ArrayList<>();
      for (String k : c.keys("sp_GlobalFunc")) {
        words.addAll(Arrays.asList(k.substring(k.lastIndexOf('.') + 1).split("_")));
      }
      Random rnd = new Random(7);
      long[] t = new long[n];
      int hits = 0;
      for (int i = -n; i < n; i++) {
        String q = words.get(rnd.nextInt(words.size())) + " " + words.get(rnd.nextInt(words.size()));
        long t0 = System.nanoTime();
        hits += c.search(q, 10).size();
        if (i >= 0) t[i] = System.nanoTime() - t0;
      }
      Arrays.sort(t);
      System.out.printf("search over %d functions, %d queries of two words, top 10: p50 %.2f ms  p99 %.2f ms  (%d hits)%n",
          c.keys("sp_GlobalFunc").size(), n, t[n / 2] / 1e6, t[(int) (n * 0.99)] / 1e6, hits);
    }
  }
}
