package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.store.GarbageCollector;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry rmi}: removes names and, unless asked not to, the blobs nothing else uses. */
@Command(name = "rmi", description = "Remove image names from the store and free the blobs no other image uses.")
final class RmiCommand extends BaseCommand {
  @Parameters(arity = "1..*", paramLabel = "REF", description = "Image names, or a digest to remove every name it has.")
  List<String> refs;

  @Option(names = {"-f", "--force"}, description = "Remove every name of a digest that has several.")
  boolean force;

  @Option(names = "--no-prune", description = "Keep the blobs; 'ferry gc' frees them later.")
  boolean noPrune;

  @Override
  int execute() throws Exception {
    OciStore store = store();
    for (String ref : refs) {
      Descriptor d = Images.require(store, ref);
      List<String> names;
      if (d.refName().filter(ref::equals).isPresent() || !looksLikeDigest(ref)) {
        names = List.of(d.refName().orElseThrow());
      } else {
        names =
            store.entries().stream()
                .filter(e -> e.digest().equals(d.digest()))
                .flatMap(e -> e.refName().stream())
                .toList();
        if (names.size() > 1 && !force) {
          throw new UsageException(
              "image " + d.digest() + " has " + names.size() + " names (" + String.join(", ", names) + "); remove them by name or use --force");
        }
      }
      for (String n : names) {
        store.untag(n);
        out().println("Untagged: " + n);
      }
    }
    if (!noPrune) {
      GarbageCollector.Result r = Collector.collect(store, false);
      info("Deleted " + r.blobsRemoved() + " blobs (" + Bytes.human(r.bytesRemoved()) + ")");
    }
    return 0;
  }

  private static boolean looksLikeDigest(String s) {
    return s.startsWith("sha256:") || s.matches("[0-9a-f]{6,}");
  }
}
