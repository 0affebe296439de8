package dev.ferry.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.registry.client.PlatformSelection;
import dev.ferry.registry.client.PullResult;
import dev.ferry.registry.client.RegistryClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry pull}: an image from a registry (or its mirrors) into the store. */
@Command(name = "pull", description = "Pull an image from a registry (mirrors first, see docs/registries.md) into the store.")
final class PullCommand extends BaseCommand {
  @Parameters(paramLabel = "REF", description = "Image reference, e.g. busybox:1 or registry.example.com/team/app@sha256:…")
  String ref;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Platform to pull from a multi-platform image (repeatable; default: this machine's).")
  List<String> platforms = new ArrayList<>();

  @Option(names = {"-a", "--all-platforms"}, description = "Pull every platform of a multi-platform image.")
  boolean all;

  @Mixin RegistryOptions registry;

  @Override
  int execute() throws Exception {
    Reference r = Reference.parse(ref);
    if (all && !platforms.isEmpty()) {
      throw new UsageException("--all-platforms and --platform exclude each other");
    }
    PlatformSelection sel =
        all ? PlatformSelection.all() : platforms.isEmpty() ? PlatformSelection.host() : PlatformSelection.of(platforms.stream().map(Platform::parse).toList());
    PullResult res;
    try (RegistryClient client = registry.client();
        TransferProgress p = new TransferProgress(this, "pulling")) {
      res = client.pull(store(), r, sel, p);
    }
    if (json()) {
      ObjectNode o = Json.object();
      o.put("name", res.storeName());
      o.put("digest", res.descriptor().digest().toString());
      o.put("source", res.source().toString());
      res.platforms().forEach(pl -> o.withArray("platforms").add(pl.toString()));
      o.put("partial", res.partial());
      o.put("blobsFetched", res.blobsFetched());
      o.put("blobsSkipped", res.blobsSkipped());
      o.put("bytesFetched", res.bytesFetched());
      out().println(Json.write(o));
      return 0;
    }
    res.attempts().forEach(a -> info("tried: " + a));
    info(
        "Pulled "
            + res.storeName()
            + (res.fromMirror() ? " from mirror " + res.source() : "")
            + " ("
            + (res.platforms().isEmpty() ? "single platform" : res.platforms().stream().map(Platform::toString).reduce((a, b) -> a + ", " + b).orElse(""))
            + (res.partial() ? "; the index is stored partially" : "")
            + "): "
            + res.blobsFetched()
            + " blobs fetched ("
            + Bytes.human(res.bytesFetched())
            + "), "
            + res.blobsSkipped()
            + " already present");
    out().println(res.descriptor().digest());
    return 0;
  }
}
