package dev.ferry.registry.client.internal;

import dev.ferry.registry.client.TransferStats;
import java.util.concurrent.atomic.LongAdder;

/** Running totals of one client, shared by its transports and transfers. Thread-safe. */
public final class Counters {
  public final LongAdder requests = new LongAdder();
  public final LongAdder retries = new LongAdder();
  public final LongAdder bytesUploaded = new LongAdder();
  public final LongAdder bytesDownloaded = new LongAdder();
  public final LongAdder blobsUploaded = new LongAdder();
  public final LongAdder blobsMounted = new LongAdder();
  public final LongAdder blobsExisting = new LongAdder();
  public final LongAdder downloadResumes = new LongAdder();
  public final LongAdder uploadResumes = new LongAdder();
  public final LongAdder uploadRestarts = new LongAdder();

  public TransferStats snapshot() {
    return new TransferStats(
        requests.sum(),
        retries.sum(),
        bytesUploaded.sum(),
        bytesDownloaded.sum(),
        blobsUploaded.sum(),
        blobsMounted.sum(),
        blobsExisting.sum(),
        downloadResumes.sum(),
        uploadResumes.sum(),
        uploadRestarts.sum());
  }
}
