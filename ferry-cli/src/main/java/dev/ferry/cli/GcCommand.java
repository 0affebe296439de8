package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.store.GarbageCollector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry gc}: removes unreferenced blobs and leftovers of interrupted writes. */
@Command(name = "gc", description = "Remove blobs no name refers to, and leftovers of interrupted writes.")
final class GcCommand extends BaseCommand {
  @Option(names = {"-n", "--dry-run"}, description = "Only report what would be removed.")
  boolean dryRun;

  @Override
  int execute() throws Exception {
    GarbageCollector.Result r = Collector.collect(store(), dryRun);
    if (json()) {
      ObjectNode o = Json.object();
      o.put("dryRun", dryRun);
      o.put("blobsRemoved", r.blobsRemoved());
      o.put("bytesRemoved", r.bytesRemoved());
      o.put("tempFilesRemoved", r.tempFilesRemoved());
      o.put("blobsKept", r.blobsKept());
      out().println(Json.write(o));
    } else {
      out().println(
          (dryRun ? "would remove " : "removed ")
              + r.blobsRemoved()
              + " blobs ("
              + Bytes.human(r.bytesRemoved())
              + ") and "
              + r.tempFilesRemoved()
              + " temp files; "
              + r.blobsKept()
              + " blobs kept");
    }
    return 0;
  }
}
