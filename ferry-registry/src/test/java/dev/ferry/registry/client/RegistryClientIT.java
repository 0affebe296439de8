package dev.ferry.registry.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Platform;
import dev.ferry.oci.Reference;
import dev.ferry.oci.store.Fsck;
import dev.ferry.oci.store.ImageNotFoundException;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import dev.ferry.registry.ErrorCode;
import dev.ferry.registry.RegistryException;
import dev.ferry.testing.DistributionRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real CNCF distribution 2.8 ({@code docker-registry}) on 127.0.0.1. */
class RegistryClientIT {
  private static final int MIB = 1024 * 1024;
  private static DistributionRegistry registry;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    registry = DistributionRegistry.start();
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private static RegistryClient client() throws IOException {
    return RegistryClient.builder().ignoreDockerConfig().build();
  }

  private Reference ref(String repoAndTag) {
    return Reference.parse(registry.host() + "/" + repoAndTag);
  }

  private OciStore store(String name) throws IOException {
    return OciStore.open(tmp.resolve(name));
  }

  private static void assertClean(OciStore s) throws IOException {
    Fsck.Report r = Fsck.check(s, n -> {});
    assertThat(r.problems()).isEmpty();
  }

  @Test
  void pushThenPull_intoFreshStore_sameDigestFsckClean() throws IOException {
    OciStore src = store("src");
    // 20 MiB is above the 16 MiB chunk size: one chunked upload beside monolithic ones.
    Descriptor image = TestImages.image(src, "app:1", 1, Platform.LINUX_AMD64, 1000, 50_000, 20 * MIB);
    try (RegistryClient c = client()) {
      PushResult pushed = c.push(src, "app:1", ref("roundtrip/app:1"), ProgressListener.NONE);
      assertThat(pushed.descriptor().digest()).isEqualTo(image.digest());
      assertThat(pushed.blobsUploaded()).isEqualTo(4);
      assertThat(pushed.bytesUploaded()).isGreaterThan(20L * MIB);

      OciStore dst = store("dst");
      PullResult pulled = c.pull(dst, ref("roundtrip/app:1"), PlatformSelection.host(), ProgressListener.NONE);
      assertThat(pulled.descriptor().digest()).isEqualTo(image.digest());
      assertThat(pulled.storeName()).isEqualTo(registry.host() + "/roundtrip/app:1");
      assertThat(pulled.blobsFetched()).isEqualTo(4);
      assertThat(pulled.platforms()).containsExactly(Platform.LINUX_AMD64);
      assertThat(pulled.fromMirror()).isFalse();
      assertThat(dst.resolve(pulled.storeName()).orElseThrow().digest()).isEqualTo(image.digest());
      assertThat(dst.read(image.digest())).isEqualTo(src.read(image.digest()));
      assertClean(dst);

      PullResult again = c.pull(dst, ref("roundtrip/app:1"), PlatformSelection.host(), ProgressListener.NONE);
      assertThat(again.blobsFetched()).isZero();
      assertThat(again.blobsSkipped()).isEqualTo(4);

      PushResult second = c.push(src, "app:1", ref("roundtrip/app:1"), ProgressListener.NONE);
      assertThat(second.blobsExisting()).isEqualTo(4);
      assertThat(second.bytesUploaded()).isZero();
    }
  }

  @Test
  void pullByDigest_verifiesAndNamesWithDigest() throws IOException {
    OciStore src = store("src");
    Descriptor image = TestImages.image(src, "d:1", 2, Platform.LINUX_AMD64, 100);
    try (RegistryClient c = client()) {
      c.push(src, "d:1", ref("bydigest/d:1"), ProgressListener.NONE);
      OciStore dst = store("dst");
      Reference byDigest = Reference.parse(registry.host() + "/bydigest/d@" + image.digest());
      PullResult r = c.pull(dst, byDigest, PlatformSelection.host(), ProgressListener.NONE);
      assertThat(dst.resolve(byDigest.toString())).isPresent();
      assertThat(r.descriptor().digest()).isEqualTo(image.digest());
      assertThat(c.head(ref("bydigest/d:1")).orElseThrow().digest()).isEqualTo(image.digest());
      assertThat(c.head(ref("bydigest/d:nope"))).isEmpty();
    }
  }

  @Test
  void multiPlatformIndex_pushAll_pullAllAndOne() throws IOException {
    OciStore src = store("src");
    Descriptor index = TestImages.index(src, "multi:1", 10, List.of(Platform.LINUX_AMD64, Platform.LINUX_ARM64), 2000, 300_000);
    try (RegistryClient c = client()) {
      PushResult pushed = c.push(src, "multi:1", ref("multi/app:1"), ProgressListener.NONE);
      assertThat(pushed.manifests()).isEqualTo(3);
      assertThat(pushed.descriptor().digest()).isEqualTo(index.digest());

      OciStore all = store("all");
      PullResult a = c.pull(all, ref("multi/app:1"), PlatformSelection.all(), ProgressListener.NONE);
      assertThat(a.descriptor().digest()).isEqualTo(index.digest());
      assertThat(a.partial()).isFalse();
      assertThat(a.platforms()).containsExactly(Platform.LINUX_AMD64, Platform.LINUX_ARM64);
      assertThat(Images.resolveAll(all, all.resolve(a.storeName()).orElseThrow())).hasSize(2);
      assertClean(all);

      OciStore one = store("one");
      PullResult o = c.pull(one, ref("multi/app:1"), PlatformSelection.of(Platform.LINUX_ARM64), ProgressListener.NONE);
      assertThat(o.descriptor().digest()).isEqualTo(index.digest());
      assertThat(o.partial()).isTrue();
      assertThat(o.platforms()).containsExactly(Platform.LINUX_ARM64);
      Descriptor named = one.resolve(o.storeName()).orElseThrow();
      assertThat(Images.isPartial(named)).isTrue();
      assertThat(named.digest()).isEqualTo(index.digest());
      assertClean(one);
      assertThat(Images.resolveAll(one, named)).extracting(Images.Image::platform).containsExactly(Platform.LINUX_ARM64);

      assertThatThrownBy(() -> c.push(one, o.storeName(), ref("multi/partial:1"), ProgressListener.NONE))
          .isInstanceOf(ImageNotFoundException.class)
          .hasMessageContaining("linux/amd64")
          .hasMessageContaining("--all-platforms");

      assertThatThrownBy(() -> c.pull(store("none"), ref("multi/app:1"), PlatformSelection.of(Platform.parse("linux/s390x")), ProgressListener.NONE))
          .isInstanceOf(ImageNotFoundException.class)
          .hasMessageContaining("linux/s390x")
          .hasMessageContaining("linux/arm64");
    }
  }

  @Test
  void pushToSecondRepository_mountsInsteadOfUploading() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "m:1", 20, Platform.LINUX_AMD64, 3 * MIB, 100_000);
    try (RegistryClient c = client()) {
      PushResult first = c.push(src, "m:1", ref("mount/a:1"), ProgressListener.NONE);
      assertThat(first.blobsUploaded()).isEqualTo(3);
      long uploadedBefore = c.stats().bytesUploaded();

      PushResult second = c.push(src, "m:1", ref("mount/b:1"), ProgressListener.NONE);
      assertThat(second.blobsMounted()).isEqualTo(3);
      assertThat(second.blobsUploaded()).isZero();
      assertThat(second.bytesUploaded()).isZero();
      assertThat(c.stats().bytesUploaded()).isEqualTo(uploadedBefore);
      assertThat(c.stats().blobsMounted()).isEqualTo(3);
    }
    // A fresh client learns the source repository from the store name when it is on the same registry.
    OciStore pulled = store("pulled");
    try (RegistryClient c = client()) {
      PullResult p = c.pull(pulled, ref("mount/b:1"), PlatformSelection.host(), ProgressListener.NONE);
      try (RegistryClient fresh = client()) {
        PushResult third = fresh.push(pulled, p.storeName(), ref("mount/c:1"), ProgressListener.NONE);
        assertThat(third.blobsMounted()).isEqualTo(3);
      }
    }
  }

  @Test
  void tagsAndCatalog_pageOfTwo_listEverything() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "t:1", 30, Platform.LINUX_AMD64, 10);
    try (RegistryClient c = client()) {
      for (String tag : List.of("a", "b", "c", "d", "e")) {
        c.push(src, "t:1", ref("paged/tags:" + tag), ProgressListener.NONE);
      }
      assertThat(c.tags(ref("paged/tags:a"), 2)).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
      for (String repo : List.of("cat/one", "cat/two", "cat/three")) {
        c.push(src, "t:1", ref(repo + ":x"), ProgressListener.NONE);
      }
      List<String> catalog = c.catalog(registry.host(), 2);
      assertThat(catalog).contains("cat/one", "cat/two", "cat/three", "paged/tags");
      assertThat(catalog).doesNotHaveDuplicates();
      assertThat(c.stats().requests()).isPositive();
    }
  }

  @Test
  void delete_byTag_removesManifestAndBlob() throws IOException {
    OciStore src = store("src");
    TestImages.image(src, "del:1", 40, Platform.LINUX_AMD64, 10);
    try (RegistryClient c = client()) {
      PushResult p = c.push(src, "del:1", ref("del/x:1"), ProgressListener.NONE);
      Digest deleted = c.delete(ref("del/x:1"));
      assertThat(deleted).isEqualTo(p.descriptor().digest());
      assertThat(c.head(ref("del/x@" + deleted))).isEmpty();
      assertThatThrownBy(() -> c.delete(ref("del/x:1")))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining(registry.host());
      Descriptor layer = src.readManifest(p.descriptor()).layers().get(0);
      c.deleteBlob(ref("del/x:1"), layer.digest());
      assertThatThrownBy(() -> c.deleteBlob(ref("del/x:1"), layer.digest()))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.code()).contains(ErrorCode.BLOB_UNKNOWN);
            assertThat(e.retryable()).isFalse();
          });
    }
  }

  @Test
  void pull_unknownTag_failsWithSpecCodeAndNames() throws IOException {
    try (RegistryClient c = client()) {
      assertThatThrownBy(() -> c.pull(store("x"), ref("nothing/here:1"), PlatformSelection.host(), ProgressListener.NONE))
          .isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.code()).isPresent();
            assertThat(e.getMessage()).contains(registry.host()).contains("nothing/here").contains("404");
          });
    }
  }

  @Test
  void referrers_withoutApi_fallsBackToTagSchema() throws IOException {
    OciStore src = store("src");
    Descriptor subject = TestImages.image(src, "s:1", 50, Platform.LINUX_AMD64, 10);
    try (RegistryClient c = client()) {
      c.push(src, "s:1", ref("ref/s:1"), ProgressListener.NONE);
      Reference at = Reference.parse(registry.host() + "/ref/s@" + subject.digest());
      assertThat(c.referrers(at, Optional.empty())).isEmpty();

      // An SBOM-like artifact pointing at the subject, and the tag-schema index a pre-1.1 client writes.
      Descriptor empty = src.put("application/vnd.oci.empty.v1+json", "{}".getBytes());
      Descriptor sbomBlob = src.put("application/spdx+json", "{\"spdx\":true}".getBytes());
      dev.ferry.oci.Manifest artifact = dev.ferry.oci.Manifest.of(
          dev.ferry.oci.MediaType.OCI_MANIFEST, empty, List.of(sbomBlob), java.util.Map.of(),
          Optional.of(subject), Optional.of("application/spdx+json"));
      Descriptor art = src.put(artifact);
      src.tag("sbom", art);
      c.push(src, "sbom", Reference.parse(registry.host() + "/ref/s@" + art.digest()), ProgressListener.NONE);
      dev.ferry.oci.Index fallback = dev.ferry.oci.Index.of(List.of(
          new Descriptor(art.mediaType(), art.digest(), art.size(), java.util.Map.of(), Optional.empty(),
              Optional.of("application/spdx+json"), List.of())));
      src.tag("fallback", src.put(fallback));
      c.push(src, "fallback", ref("ref/s:sha256-" + subject.digest().hex()), ProgressListener.NONE);

      assertThat(c.referrers(at, Optional.empty())).extracting(Descriptor::digest).containsExactly(art.digest());
      assertThat(c.referrers(at, Optional.of("application/spdx+json"))).hasSize(1);
      assertThat(c.referrers(at, Optional.of("application/other"))).isEmpty();
    }
  }
}
