package dev.ferry.globalfunc;

/**
 * What publishing one function did. Immutable.
 *
 * @param sha256 the version the alias points at now
 * @param previous the version it pointed at before, empty when it is new
 */
public record PublishResult(String key, String sha256, String previous) {
  /** Whether the alias moved. */
  public boolean changed() {
    return !sha256.equals(previous);
  }
}
