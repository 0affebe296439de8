package dev.ferry.oci.archive;

import dev.ferry.oci.Digest;
import dev.ferry.oci.Reference;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * How to import an archive. Immutable.
 *
 * @param nameOverride the name to give the archive's only image instead of the one it carries; parsed and
 *     normalised as a {@link Reference}; an archive with several images and an override is refused
 * @param progress told the number of archive bytes read so far, every few MiB and once at the end, on the
 *     importing thread
 * @param fromStore blobs the archive may leave out because the store already has them (a delta bundle's base);
 *     every other blob its images reach must be in the archive
 */
public record ImportOptions(Optional<String> nameOverride, LongConsumer progress, Set<Digest> fromStore) {
  private static final LongConsumer NO_PROGRESS = bytes -> {};

  public ImportOptions {
    Objects.requireNonNull(nameOverride, "nameOverride");
    Objects.requireNonNull(progress, "progress");
    nameOverride = nameOverride.map(n -> Reference.parse(n).toString());
    fromStore = Set.copyOf(fromStore);
  }

  public ImportOptions(Optional<String> nameOverride, LongConsumer progress) {
    this(nameOverride, progress, Set.of());
  }

  /** These options, letting {@code digests} come from the store instead of the archive. */
  public ImportOptions withFromStore(Set<Digest> digests) {
    return new ImportOptions(nameOverride, progress, digests);
  }

  /** No override, no progress. */
  public static ImportOptions defaults() {
    return new ImportOptions(Optional.empty(), NO_PROGRESS);
  }

  public ImportOptions withNameOverride(String name) {
    return new ImportOptions(Optional.of(name), progress, fromStore);
  }

  public ImportOptions withProgress(LongConsumer newProgress) {
    return new ImportOptions(nameOverride, newProgress, fromStore);
  }
}
