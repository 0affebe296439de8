package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.build.BuildLeftovers;
import dev.ferry.oci.store.GarbageCollector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry gc}: removes unreferenced blobs, leftovers of interrupted writes and of killed builds. */
@Command(name = "gc", description = "Remove blobs no name refers to, leftovers of interrupted writes, and what killed builds left.")
final class GcCommand extends BaseCommand {
  @Option(names = {"-n", "--dry-run"}, description = "Only report what would be removed.")
  boolean dryRun;

  @Override
  int execute() throws Exception {
    // first, without the store's lock (which waits for running builds): what killed builds left
    BuildLeftovers.Result left = BuildLeftovers.clean(store(), dryRun);
    left.problems().forEach(p -> err().println("ferry: " + p));
    GarbageCollector.Result r = Collector.collect(store(), dryRun);
    if (json()) {
      ObjectNode o = Json.object();
      o.put("dryRun", dryRun);
      o.put("blobsRemoved", r.blobsRemoved());
      o.put("bytesRemoved", r.bytesRemoved());
      o.put("tempFilesRemoved", r.tempFilesRemoved());
      o.put("blobsKept", r.blobsKept());
      o.put("buildDirsRemoved", left.workDirs());
      o.put("buildMountsRemoved", left.mounts());
      o.put("buildContainersRemoved", left.containers());
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
      if (left.workDirs() + left.mounts() + left.containers() > 0) {
        out().println((dryRun ? "would remove " : "removed ") + left.workDirs() + " work directories of killed builds ("
            + left.mounts() + " mounts, " + left.containers() + " runc containers)");
      }
    }
    return left.problems().isEmpty() ? 0 : 1;
  }
}
