import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop manifest GET latency: {@code java bench/ManifestLatency.java URL RATE SECONDS [WARMUP]} sends RATE requests
 * per second for SECONDS (after WARMUP seconds, default 10, at the same rate), each timed from its scheduled send
 * time, so a stalled server shows up as latency rather than as a lower rate. Prints "p50_ms p99_ms max_ms errors".
 *
 * <p>The warm-up is for this client as much as for the server: with 2 s the client's own JIT compilation (same 2
 * cores) still ran during the measurement and put ~1-2 ms on the p99 of either server.
 */
public class ManifestLatency {
  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    int rate = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    HttpClient client =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    HttpRequest req =
        HttpRequest.newBuilder(uri)
            .header("Accept", "application/vnd.oci.image.manifest.v1+json")
            .timeout(Duration.ofSeconds(10))
            .build();
    run(client, req, rate, args.length > 3 ? Integer.parseInt(args[3]) : 10);
    long[] lat = run(client, req, rate, seconds);
    int errors = (int) Arrays.stream(lat).filter(x -> x < 0).count();
    long[] ok = Arrays.stream(lat).filter(x -> x >= 0).sorted().toArray();
    System.out.printf(
        "%.2f %.2f %.2f %d%n", ok[ok.length / 2] / 1e6, ok[(int) (ok.length * 0.99)] / 1e6, ok[ok.length - 1] / 1e6, errors);
  }

  static long[] run(HttpClient client, HttpRequest req, int rate, int seconds) {
    int n = rate * seconds;
    long[] lat = new long[n];
    CompletableFuture<?>[] all = new CompletableFuture<?>[n];
    long period = 1_000_000_000L / rate;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long due = t0 + i * period;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      int k = i;
      all[i] =
          client
              .sendAsync(req, HttpResponse.BodyHandlers.discarding())
              .handle((r, e) -> lat[k] = (e != null || r.statusCode() != 200) ? -1 : System.nanoTime() - due);
    }
    CompletableFuture.allOf(all).join();
    return lat;
  }
}
