package dev.ferry.cli;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ferry tag}: another name for an image already in the store. */
@Command(name = "tag", description = "Give an image in the store another name.")
final class TagCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "SOURCE", description = "Existing image name or digest.")
  String source;

  @Parameters(index = "1", paramLabel = "TARGET", description = "New name, e.g. registry.example.com/team/app:1.0.")
  String target;

  @Override
  int execute() throws Exception {
    String name = Images.storeName(target);
    OciStore store = store();
    Descriptor d = Images.require(store, source);
    store.tag(name, d.withAnnotation(Descriptor.REF_NAME, null));
    if (!quiet()) {
      out().println(name + " -> " + d.digest());
    }
    return 0;
  }
}
