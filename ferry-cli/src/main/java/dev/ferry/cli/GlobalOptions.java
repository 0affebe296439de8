package dev.ferry.cli;

import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command takes. Not thread-safe. */
final class GlobalOptions {
  @Option(
      names = "--store",
      paramLabel = "DIR",
      scope = ScopeType.INHERIT,
      description = "Content store (an OCI image layout). Default: $FERRY_HOME, else ~/.local/share/ferry.")
  Path store;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print results as JSON.")
  boolean json;

  @Option(
      names = {"-q", "--quiet"},
      scope = ScopeType.INHERIT,
      description = "Print only the essential result (digests, names); no progress.")
  boolean quiet;

  Path storePath() {
    return store != null ? store : OciStore.defaultRoot();
  }

  OciStore openStore() throws IOException {
    return OciStore.open(storePath());
  }
}
