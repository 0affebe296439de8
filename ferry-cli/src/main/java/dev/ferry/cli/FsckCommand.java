package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.store.Fsck;
import picocli.CommandLine.Command;

/** {@code ferry fsck}: re-hashes every blob and checks every name's graph. Exits 1 when anything is wrong. */
@Command(name = "fsck", description = "Verify the store: re-hash every blob and check that every name's content is complete.")
final class FsckCommand extends BaseCommand {

  @Override
  int execute() throws Exception {
    Fsck.Report r;
    try (Progress p = progress("checking")) {
      var store = store();
      r = Fsck.check(store, Collector.roots(store), p::add);
    }
    if (json()) {
      ObjectNode o = Json.object();
      o.put("clean", r.clean());
      o.put("blobs", r.blobsChecked());
      o.put("bytes", r.bytesChecked());
      o.put("names", r.names());
      o.put("unreferenced", r.unreferenced());
      o.put("tempFiles", r.tempFiles());
      r.problems().forEach(o.putArray("problems")::add);
      out().println(Json.write(o));
    } else {
      r.problems().forEach(pr -> out().println("problem: " + pr));
      out().println(
          (r.clean() ? "clean" : r.problems().size() + " problem(s)")
              + ": "
              + r.blobsChecked()
              + " blobs ("
              + Bytes.human(r.bytesChecked())
              + ") re-hashed, "
              + r.names()
              + " names checked, "
              + r.unreferenced()
              + " unreferenced blobs, "
              + r.tempFiles()
              + " interrupted writes"
              + (r.unreferenced() + r.tempFiles() > 0 ? " ('ferry gc' removes them)" : ""));
    }
    return r.clean() ? 0 : 1;
  }
}
