package dev.ferry.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.build.BuildProgress;
import dev.ferry.bundle.spec.DeliverySpec;
import dev.ferry.bundle.spec.SpecParser;
import dev.ferry.oci.Descriptor;
import dev.ferry.oci.Digest;
import dev.ferry.oci.Platform;
import dev.ferry.oci.store.Images;
import dev.ferry.oci.store.OciStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pack, verify, load and damage bundles made from images written straight into a store (no peers). */
class BundleTest {
  private static final String DPKG = """
      Package: libc6
      Status: install ok installed
      Architecture: amd64
      Version: 2.36-9+deb12u4

      Package: removed-thing
      Status: deinstall ok config-files
      Version: 1.0

      Package: bash
      Status: install ok installed
      Architecture: amd64
      Version: 5.2.15-2+b2
      """;

  @TempDir Path tmp;
  OciStore store;
  Descriptor shared;

  @BeforeEach
  void images() throws IOException {
    store = OciStore.open(tmp.resolve("store"));
    shared = TestImages.layer(store, Map.of("var/lib/dpkg/status", DPKG, "etc/os-release", "ID=debian\n"));
    Descriptor amdApp = TestImages.layer(store, Map.of("usr/lib/python3/dist-packages/numpy-1.26.4.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: numpy\nVersion: 1.26.4\n\nlong text", "app/x86", "x86 code"));
    // The arm64 image removes its Python distribution again: a whiteout of the directory holding it.
    Descriptor armApp = TestImages.layer(store, Map.of("app/arm", "arm code", "usr/lib/python3/dist-packages/old-0.1.dist-info/METADATA",
        "Name: old\nVersion: 0.1\n"));
    Descriptor armWhiteout = TestImages.layer(store, Map.of("usr/lib/python3/dist-packages/.wh..wh..opq", ""));
    Descriptor amd = TestImages.image(store, Platform.LINUX_AMD64, List.of(shared, amdApp));
    Descriptor arm = TestImages.image(store, Platform.LINUX_ARM64, List.of(shared, armApp, armWhiteout));
    Map<Platform, Descriptor> both = new LinkedHashMap<>();
    both.put(Platform.LINUX_AMD64, amd);
    both.put(Platform.LINUX_ARM64, arm);
    store.tag("registry.example.com/team/app:1", TestImages.index(store, both));
    Files.createDirectories(tmp.resolve("models/bert"));
    Files.writeString(tmp.resolve("models/bert/weights.bin"), "weights".repeat(1000));
    Files.writeString(tmp.resolve("models/bert/config.json"), "{}");
  }

  private DeliverySpec spec(String targets) throws Exception {
    return SpecParser.parse(Files.writeString(tmp.resolve("ferry.yaml"), """
        name: demo
        version: 2.0.0
        targets: %s
        images:
          - name: demo/app
            pull: registry.example.com/team/app:1
        models:
          - name: models/bert
            path: models/bert
        """.formatted(targets)));
  }

  private Packer.Result pack(DeliverySpec spec, Path out, Optional<PrivateKey> key, boolean zstd, long split, DeltaBase base) throws Exception {
    Packer p = new Packer(store, null, BuildProgress.NONE, line -> {}, WheelhouseProvider.NONE);
    return p.pack(spec, new Packer.Options(List.of(), out, zstd, split, key, base, true, false, Instant.EPOCH));
  }

  private Path packed() throws Exception {
    Path out = tmp.resolve("demo.ferry");
    pack(spec("[x86_nvidia, arm_910b]"), out, Optional.empty(), false, 0, DeltaBase.NONE);
    return out;
  }

  private static BundleVerifier.Report verify(Path p, Optional<java.security.PublicKey> key) throws IOException {
    try (BundleFile b = BundleFile.open(p)) {
      return BundleVerifier.verify(b, key, x -> {});
    }
  }

  @Test
  void pack_twoTargets_carriesEveryPlatformEveryBlobOnceAndVerifies() throws Exception {
    Path out = packed();
    BundleVerifier.Report r = verify(out, Optional.empty());
    BundleLock lock = r.lock();
    assertThat(lock.images()).singleElement().satisfies(i -> {
      assertThat(i.nameAndTag()).isEqualTo("demo/app:1");
      assertThat(i.source()).isEqualTo("registry.example.com/team/app:1");
      assertThat(i.digest()).isEqualTo(Images.require(store, "registry.example.com/team/app:1").digest());
      assertThat(i.sourceDigest()).isEmpty();
      assertThat(i.platforms()).extracting(p -> p.platform() + " " + p.targets())
          .containsExactly("linux/amd64 [x86_nvidia]", "linux/arm64 [arm_910b]");
    });
    assertThat(lock.artifacts()).singleElement().satisfies(a -> {
      assertThat(a.kind()).isEqualTo("model");
      assertThat(a.files()).extracting(BundleLock.LockedFile::path).containsExactly("config.json", "weights.bin");
    });
    assertThat(lock.blobs()).extracting(BundleLock.LockedBlob::digest).doesNotHaveDuplicates().contains(shared.digest());
    assertThat(r.signed()).isFalse();
    assertThat(r.index().manifests()).extracting(d -> d.refName().orElseThrow()).containsExactly("demo/app:1", "models/bert:2.0.0");
  }

  @Test
  void pack_oneTarget_reducesTheIndexAndRecordsTheSourceDigest() throws Exception {
    Path out = tmp.resolve("x86.ferry");
    pack(spec("[x86_nvidia]"), out, Optional.empty(), false, 0, DeltaBase.NONE);
    BundleLock lock = verify(out, Optional.empty()).lock();
    BundleLock.LockedImage img = lock.images().get(0);
    assertThat(img.sourceDigest()).contains(Images.require(store, "registry.example.com/team/app:1").digest());
    assertThat(img.digest()).isNotEqualTo(img.sourceDigest().get());
    assertThat(img.platforms()).extracting(p -> p.platform().toString()).containsExactly("linux/amd64");
  }

  @Test
  void sbom_image_listsDpkgAndPythonPackagesOfItsLayers() throws Exception {
    Path out = packed();
    try (BundleFile b = BundleFile.open(out)) {
      BundleLock lock = BundleMetadata.read(b).lock();
      Digest amd = lock.images().get(0).platforms().get(0).sbom().orElseThrow();
      String sbom = new String(BundleMetadata.readBlob(b, amd), StandardCharsets.UTF_8);
      assertThat(sbom).contains("\"specVersion\" : \"1.5\"", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64",
          "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64", "pkg:pypi/numpy@1.26.4").doesNotContain("removed-thing");
      Digest arm = lock.images().get(0).platforms().get(1).sbom().orElseThrow();
      assertThat(new String(BundleMetadata.readBlob(b, arm), StandardCharsets.UTF_8)).contains("libc6").doesNotContain("numpy", "pkg:pypi/old");
      Digest model = lock.artifacts().get(0).sbom().orElseThrow();
      String m = new String(BundleMetadata.readBlob(b, model), StandardCharsets.UTF_8);
      assertThat(m).contains("machine-learning-model", "weights.bin", Digest.sha256("weights".repeat(1000).getBytes(StandardCharsets.UTF_8)).hex());
    }
  }

  @Test
  void verify_aByteFlippedInAnyEntry_namesThatEntry() throws Exception {
    Path out = packed();
    List<String> names = new ArrayList<>();
    List<long[]> places = new ArrayList<>();
    try (TarFile tar = new TarFile(out.toFile())) {
      for (TarArchiveEntry e : tar.getEntries()) {
        if (e.isFile() && e.getSize() > 0) {
          names.add(e.getName());
          places.add(new long[] {e.getDataOffset() + e.getSize() / 2});
        }
      }
    }
    assertThat(names).contains(BundleFormat.LOCK, BundleFormat.INDEX, BundleFormat.CHECKSUMS, BundleFormat.LAYOUT);
    for (int i = 0; i < names.size(); i++) {
      Path bad = tmp.resolve("bad-" + i + ".ferry");
      Files.copy(out, bad);
      flip(bad, places.get(i)[0]);
      String name = names.get(i);
      assertThatThrownBy(() -> verify(bad, Optional.empty())).as(name).isInstanceOf(BundleException.class).hasMessageContaining(name);
    }
  }

  @Test
  void verify_signedBundle_checksTheKey() throws Exception {
    Signatures.Written k = Signatures.generate(tmp.resolve("k"));
    Signatures.Written other = Signatures.generate(tmp.resolve("other"));
    Path out = tmp.resolve("signed.ferry");
    pack(spec("[x86_nvidia]"), out, Optional.of(Signatures.readPrivate(k.privateKey())), false, 0, DeltaBase.NONE);

    assertThat(verify(out, Optional.of(Signatures.readPublic(k.publicKey()))).signatureChecked()).isTrue();
    assertThatThrownBy(() -> verify(out, Optional.of(Signatures.readPublic(other.publicKey()))))
        .isInstanceOf(SignatureException.class).hasMessageContaining("not by the given key");
    Path unsigned = packed();
    assertThatThrownBy(() -> verify(unsigned, Optional.of(Signatures.readPublic(k.publicKey()))))
        .isInstanceOf(SignatureException.class).hasMessageContaining("is not signed");
  }

  @Test
  void split_partsVerify_andAMissingOrCutPartIsNamed() throws Exception {
    Files.write(tmp.resolve("models/bert/big.bin"), new java.util.Random(1).ints(3_000_000).collect(
        java.io.ByteArrayOutputStream::new, (o, x) -> o.write(x), (a, b) -> {}).toByteArray());
    Path out = tmp.resolve("split.ferry");
    List<Path> parts = pack(spec("[x86_nvidia]"), out, Optional.empty(), false, 1 << 20, DeltaBase.NONE).files();
    assertThat(parts).hasSizeGreaterThanOrEqualTo(3);
    assertThat(verify(out, Optional.empty()).lock().artifacts()).hasSize(1);

    Path keep = tmp.resolve("keep");
    Files.move(parts.get(1), keep);
    assertThatThrownBy(() -> verify(out, Optional.empty())).hasMessageContaining("split part split.ferry.001 is missing");
    Files.write(parts.get(1), java.util.Arrays.copyOf(Files.readAllBytes(keep), 700_000));
    assertThatThrownBy(() -> verify(out, Optional.empty())).hasMessageContaining("split part split.ferry.001 is truncated");
    Files.move(keep, parts.get(1), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.delete(parts.get(parts.size() - 1));
    assertThatThrownBy(() -> verify(out, Optional.empty())).hasMessageContaining("the last part, split.ferry.00" + (parts.size() - 2));
  }

  @Test
  void zstd_bundleVerifiesAndLoads_butHasNoRandomAccess() throws Exception {
    Path out = tmp.resolve("z.ferry");
    pack(spec("[x86_nvidia, arm_910b]"), out, Optional.empty(), true, 0, DeltaBase.NONE);
    try (BundleFile b = BundleFile.open(out)) {
      assertThat(b.compressed()).isTrue();
      BundleVerifier.Report r = BundleVerifier.verify(b, Optional.empty(), x -> {});
      assertThatThrownBy(() -> new BundleBlobs(b, r)).hasMessageContaining("zstd-compressed");
      OciStore other = OciStore.open(tmp.resolve("other"));
      BundleLoader.load(other, b, Optional.empty(), x -> {});
      assertThat(Images.require(other, "demo/app:1").digest()).isEqualTo(r.lock().images().get(0).digest());
    }
  }

  @Test
  void load_damagedBundle_writesNothing() throws Exception {
    Path out = packed();
    long layer;
    try (TarFile tar = new TarFile(out.toFile())) {
      layer = tar.getEntries().stream().filter(e -> e.getName().endsWith(shared.digest().hex())).findFirst().orElseThrow().getDataOffset();
    }
    flip(out, layer + 10);
    OciStore other = OciStore.open(tmp.resolve("other"));
    try (BundleFile b = BundleFile.open(out)) {
      assertThatThrownBy(() -> BundleLoader.load(other, b, Optional.empty(), x -> {})).hasMessageContaining(shared.digest().hex());
    }
    assertThat(other.blobs()).isEmpty();
    assertThat(other.entries()).isEmpty();
  }

  @Test
  void delta_since_leavesOutWhatThePreviousBundleCarried() throws Exception {
    Path full = packed();
    // A new version: one layer of the amd64 image changes.
    Descriptor newApp = TestImages.layer(store, Map.of("app/x86", "x86 code v2"));
    Descriptor amd = TestImages.image(store, Platform.LINUX_AMD64, List.of(shared, newApp));
    store.tag("registry.example.com/team/app:1", TestImages.index(store, Map.of(Platform.LINUX_AMD64, amd)));
    Path delta = tmp.resolve("delta.ferry");
    BundleLock previous;
    try (BundleFile b = BundleFile.open(full)) {
      previous = BundleMetadata.read(b).lock();
    }
    Map<Digest, List<String>> have = new LinkedHashMap<>();
    previous.blobs().forEach(x -> have.put(x.digest(), List.of()));
    pack(spec("[x86_nvidia]"), delta, Optional.empty(), false, 0, new DeltaBase(full.toString(), have));

    BundleLock lock = verify(delta, Optional.empty()).lock();
    assertThat(lock.isDelta()).isTrue();
    assertThat(lock.base()).extracting(BundleLock.BaseBlob::digest).contains(shared.digest());
    assertThat(lock.blobs()).extracting(BundleLock.LockedBlob::digest).contains(newApp.digest()).doesNotContain(shared.digest());
    OciStore other = OciStore.open(tmp.resolve("other"));
    try (BundleFile b = BundleFile.open(delta)) {
      assertThatThrownBy(() -> BundleLoader.load(other, b, Optional.empty(), x -> {}))
          .hasMessageContaining("is a delta that needs").hasMessageContaining(shared.digest().toString());
      assertThat(other.entries()).isEmpty();
    }
    // With the full bundle loaded first, the delta loads on top of it.
    try (BundleFile f = BundleFile.open(full); BundleFile d = BundleFile.open(delta)) {
      BundleLoader.load(other, f, Optional.empty(), x -> {});
      BundleLoader.load(other, d, Optional.empty(), x -> {});
    }
    assertThat(Images.resolve(other, Images.require(other, "demo/app:1"), Optional.of(Platform.LINUX_AMD64)).manifest().layers())
        .extracting(Descriptor::digest).containsExactly(shared.digest(), newApp.digest());
  }

  @Test
  void pack_failure_leavesNoOutput() throws Exception {
    Files.writeString(tmp.resolve("ferry.yaml"), """
        name: demo
        version: 1
        images:
          - pull: registry.example.com/team/missing:1
        """);
    DeliverySpec s = SpecParser.parse(tmp.resolve("ferry.yaml"));
    assertThatThrownBy(() -> pack(s, tmp.resolve("out.ferry"), Optional.empty(), false, 0, DeltaBase.NONE))
        .hasMessageContaining("registry.example.com/team/missing:1");
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("out.ferry"));
    }
  }

  private static void flip(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x01);
    }
  }
}
