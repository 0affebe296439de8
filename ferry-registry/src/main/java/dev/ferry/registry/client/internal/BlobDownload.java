package dev.ferry.registry.client.internal;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.RegistryException;
import dev.ferry.registry.client.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams one blob from a registry into a store: never held in memory, verified (digest and size) before it is
 * committed, resumed with {@code Range: bytes=N-} after a dropped connection (a 206 continues the same temp blob, a
 * 200 starts it over), redirects to storage followed without the registry's credentials. Stateless.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs">pulling blobs</a>
 */
public final class BlobDownload {
  private static final int BUFFER = 256 * 1024;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

  private BlobDownload() {}

  /** Fetches {@code blob} of {@code repository} into {@code store}; returns the bytes received (resends included). */
  public static long fetch(Transport t, String repository, Descriptor blob, OciStore store, ProgressListener progress)
      throws IOException {
    String what = "pull blob " + blob.digest() + " of " + repository;
    long received = 0;
    int failuresWithoutProgress = 0;
    OciStore.BlobWriter w = store.newBlob();
    try {
      long have = 0;
      byte[] buf = new byte[BUFFER];
      while (true) {
        Transport.Call call =
            t.call("GET", repository + "/blobs/" + blob.digest(), what)
                .scopes(Transport.pullScope(repository))
                .followRedirects();
        if (have > 0) {
          call.header("Range", "bytes=" + have + "-");
        }
        Transport.Response r = call.expect(200, 206);
        if (have > 0 && r.status() == 200) {
          // The server ignored the Range: start the temp blob over, nothing else is safe.
          w.close();
          w = store.newBlob();
          have = 0;
          progress.restarted(blob);
        } else if (r.status() == 206) {
          long start = rangeStart(r.header("Content-Range"));
          if (start != have) {
            r.close();
            throw new RegistryException(
                what + " on " + t.registry() + ": asked for bytes from " + have + " but got a range starting at " + start,
                206, Optional.empty(), false);
          }
          t.counters().downloadResumes.increment();
          progress.note("resumed " + blob.digest().shortHex() + " at byte " + have);
        }
        try (InputStream in = r.body()) {
          int n;
          while ((n = in.read(buf)) >= 0) {
            if (have + n > blob.size()) {
              throw new RegistryException(
                  what + " on " + t.registry() + ": the registry sent more than the " + blob.size()
                      + " bytes the descriptor declares", r.status(), Optional.empty(), false);
            }
            w.write(buf, 0, n);
            have += n;
            received += n;
            failuresWithoutProgress = 0;
            t.counters().bytesDownloaded.add(n);
            progress.transferred(blob, n);
          }
        } catch (RegistryException e) {
          throw e;
        } catch (IOException e) {
          // A dropped connection mid-body: resume from what arrived.
          failuresWithoutProgress++;
          if (failuresWithoutProgress >= t.retryPolicy().maxAttempts()) {
            throw new RegistryException(
                what + " on " + t.registry() + ": the connection dropped at byte " + have + " of " + blob.size()
                    + " and " + failuresWithoutProgress + " attempts to resume made no progress ("
                    + Transport.describe(e) + ")", 0, Optional.empty(), true, e);
          }
          t.backoff(what, failuresWithoutProgress);
          continue;
        }
        if (have < blob.size()) {
          // A clean end of stream before the declared size: a proxy gave up. Resume like a reset.
          failuresWithoutProgress++;
          if (failuresWithoutProgress >= t.retryPolicy().maxAttempts()) {
            throw new RegistryException(
                what + " on " + t.registry() + ": the body ended at byte " + have + " of " + blob.size(),
                0, Optional.empty(), true);
          }
          t.backoff(what, failuresWithoutProgress);
          continue;
        }
        break;
      }
      w.commit(blob.digest(), blob.size());
      return received;
    } finally {
      w.close();
    }
  }

  static long rangeStart(Optional<String> contentRange) throws IOException {
    if (contentRange.isEmpty()) {
      throw new IOException("a 206 answer without Content-Range");
    }
    Matcher m = CONTENT_RANGE.matcher(contentRange.get().trim());
    if (!m.matches()) {
      throw new IOException("cannot read Content-Range '" + contentRange.get() + "'");
    }
    return Long.parseLong(m.group(1));
  }
}
