package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.client.PushResult;
import dev.ferry.registry.client.RegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry push}: an image from the store to a registry, digests unchanged. */
@Command(name = "push", description = "Push an image (every platform it has) from the store to a registry; digests stay the same.")
final class PushCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "REF", description = "Image in the store.")
  String ref;

  @Parameters(index = "1", arity = "0..1", paramLabel = "DEST", description = "Destination reference (default: REF itself).")
  String dest;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    OciStore store = store();
    Descriptor d = Images.require(store, ref);
    String storeName = d.refName().orElse(ref);
    Reference destination = Reference.parse(dest != null ? dest : storeName);
    PushResult res;
    try (RegistryClient client = registry.client();
        TransferProgress p = new TransferProgress(this, "pushing")) {
      res = client.push(store, storeName, destination, p);
    }
    if (json()) {
      ObjectNode o = Json.object();
      o.put("destination", res.destination().toString());
      o.put("digest", res.descriptor().digest().toString());
      o.put("blobsUploaded", res.blobsUploaded());
      o.put("blobsMounted", res.blobsMounted());
      o.put("blobsExisting", res.blobsExisting());
      o.put("bytesUploaded", res.bytesUploaded());
      out().println(Json.write(o));
      return 0;
    }
    info(
        "Pushed "
            + res.destination()
            + ": "
            + res.blobsUploaded()
            + " blobs uploaded ("
            + Bytes.human(res.bytesUploaded())
            + "), "
            + res.blobsMounted()
            + " mounted, "
            + res.blobsExisting()
            + " already there");
    out().println(res.descriptor().digest());
    return 0;
  }
}
