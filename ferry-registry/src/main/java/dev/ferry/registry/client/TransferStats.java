package dev.ferry.registry.client;

/**
 * Counters of everything a {@link RegistryClient} moved since it was built, for summaries, benchmarks and tests.
 * Immutable snapshot.
 *
 * @param requests HTTP requests sent (retries and auth round trips included)
 * @param retries requests sent again after a retryable failure
 * @param bytesUploaded blob bytes handed to the network for uploads
 * @param bytesDownloaded blob bytes received
 * @param blobsUploaded blob uploads completed
 * @param blobsMounted cross-repository mounts that succeeded
 * @param blobsExisting blobs found already present (HEAD) instead of uploaded
 * @param downloadResumes downloads continued with {@code Range} after a dropped connection
 * @param uploadResumes uploads continued from the registry's committed offset after a dropped connection
 * @param uploadRestarts uploads started over because the registry could not resume them
 */
public record TransferStats(
    long requests,
    long retries,
    long bytesUploaded,
    long bytesDownloaded,
    long blobsUploaded,
    long blobsMounted,
    long blobsExisting,
    long downloadResumes,
    long uploadResumes,
    long uploadRestarts) {}
