package dev.ferry.oci.store;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.ImageConfig;
import dev.ferry.oci.Index;
import dev.ferry.oci.Manifest;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Image-level reads of a store: finding an image by what a user typed and resolving an index to one platform.
 * Stateless and thread-safe.
 */
public final class Images {

  /** One platform's image: the named descriptor, the manifest chosen for the platform, and its config. */
  public record Image(Descriptor top, Descriptor manifestDescriptor, Manifest manifest, ImageConfig config) {
    public Platform platform() {
      return manifestDescriptor.platform().orElse(config.platform());
    }
  }

  /**
   * Annotation on an {@code index.json} descriptor saying the index was pulled for some of its platforms only: the
   * index is stored byte for byte (its digest is the registry's) but entries that were not pulled are absent, and
   * {@link Fsck} does not count them as missing.
   */
  public static final String PARTIAL = "dev.ferry.partial";

  private Images() {}

  /** Whether {@code top} names an index that was pulled for some of its platforms only (see {@link #PARTIAL}). */
  public static boolean isPartial(Descriptor top) {
    return "true".equals(top.annotations().get(PARTIAL));
  }

  /** The name to store an image under for what a user typed: the full normalised reference. */
  public static String storeName(String userRef) {
    return Reference.parse(userRef).toString();
  }

  /**
   * Finds what a user named: an exact {@code ref.name} (as other tools may have written it), a reference in any
   * Docker spelling ({@code busybox} = {@code docker.io/library/busybox:latest}), or a digest or unique hex prefix
   * of at least 6 characters of a named descriptor.
   */
  public static Optional<Descriptor> find(OciStore store, String what) throws IOException {
    List<Descriptor> entries = store.entries();
    for (Descriptor d : entries) {
      if (d.refName().filter(what::equals).isPresent()) {
        return Optional.of(d);
      }
    }
    if (Digest.isDigest(what)) {
      Digest digest = Digest.parse(what);
      return entries.stream().filter(d -> d.digest().equals(digest)).findFirst();
    }
    String hex = what.startsWith("sha256:") ? what.substring(7) : what;
    if (hex.length() >= 6 && hex.matches("[0-9a-f]+")) {
      List<Descriptor> hits = entries.stream().filter(d -> d.digest().hex().startsWith(hex)).toList();
      if (hits.stream().map(Descriptor::digest).distinct().count() == 1) {
        return Optional.of(hits.get(0));
      }
    }
    String normal = Reference.parse(what).toString();
    return entries.stream().filter(d -> d.refName().filter(normal::equals).isPresent()).findFirst();
  }

  /** Like {@link #find} but fails with a message saying how to see what is there. */
  public static Descriptor require(OciStore store, String what) throws IOException {
    return find(store, what)
        .orElseThrow(
            () ->
                new ImageNotFoundException(
                    "no image named '" + what + "' in the store at " + store.root() + "; 'ferry images' lists them"));
  }

  /**
   * Resolves {@code top} to one image. For an index the entry matching {@code platform} is chosen; with no
   * platform asked and one entry only, that entry. A manifest is returned as is, whatever its platform.
   */
  public static Image resolve(OciStore store, Descriptor top, Optional<Platform> platform) throws IOException {
    Descriptor m = top;
    if (top.isIndex()) {
      Index index = store.readIndex(top);
      List<Descriptor> images =
          index.manifests().stream()
              .filter(d -> d.platform().map(p -> !p.os().equals("unknown")).orElse(true))
              .filter(Descriptor::isManifest)
              .toList();
      Platform wanted = platform.orElse(Platform.host());
      Optional<Descriptor> hit = images.stream().filter(d -> d.platform().map(wanted::matches).orElse(false)).findFirst();
      if (hit.isEmpty() && platform.isEmpty() && images.size() == 1) {
        hit = Optional.of(images.get(0));
      }
      m =
          hit.orElseThrow(
              () ->
                  new ImageNotFoundException(
                      "image "
                          + top.refName().orElse(top.digest().toString())
                          + " has no "
                          + wanted
                          + " variant; it has: "
                          + images.stream()
                              .map(d -> d.platform().map(Platform::toString).orElse("?"))
                              .collect(Collectors.joining(", "))
                          + " (choose one with --platform)"));
      if (m.isIndex()) {
        return resolve(store, m, platform);
      }
    } else if (!top.isManifest()) {
      throw new ImageNotFoundException(
          top.refName().orElse(top.digest().toString()) + " is a " + top.mediaType() + ", not an image");
    }
    Manifest manifest = store.readManifest(m);
    ImageConfig config = store.readConfig(manifest.config());
    Image img = new Image(top, m, manifest, config);
    if (platform.isPresent() && !top.isIndex() && !platform.get().matches(config.platform())) {
      throw new ImageNotFoundException(
          "image " + top.refName().orElse(top.digest().toString()) + " is " + config.platform() + ", not " + platform.get());
    }
    return img;
  }

  /** Every image of a top descriptor: one per platform for an index, itself for a manifest. */
  public static List<Image> resolveAll(OciStore store, Descriptor top) throws IOException {
    List<Image> out = new ArrayList<>();
    if (top.isIndex()) {
      for (Descriptor d : store.readIndex(top).manifests()) {
        if (isPartial(top) && !store.exists(d.digest())) {
          continue; // a platform that was not pulled
        }
        if (d.isManifest() && d.platform().map(p -> !p.os().equals("unknown")).orElse(true)) {
          Manifest mf = store.readManifest(d);
          out.add(new Image(top, d, mf, store.readConfig(mf.config())));
        } else if (d.isIndex()) {
          out.addAll(resolveAll(store, d));
        }
      }
    } else {
      out.add(resolve(store, top, Optional.empty()));
    }
    return out;
  }
}
