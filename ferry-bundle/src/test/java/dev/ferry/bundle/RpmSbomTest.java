package dev.ferry.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RPM header blobs built by hand (well-formed and broken) and an rpmdb.sqlite written with them. */
class RpmSbomTest {
  @TempDir Path tmp;

  /** One index entry of a header being built. */
  private record Entry(int tag, int type, byte[] data, int count) {}

  private static Entry str(int tag, String s) {
    return new Entry(tag, RpmDb.TYPE_STRING, (s + "\0").getBytes(StandardCharsets.UTF_8), 1);
  }

  private static Entry int32(int tag, int v) {
    return new Entry(tag, RpmDb.TYPE_INT32, ByteBuffer.allocate(4).putInt(v).array(), 1);
  }

  /** A header blob: il, dl, the index entries, the data store (int32 values aligned to 4 as rpm does). */
  private static byte[] header(Entry... entries) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    ByteBuffer index = ByteBuffer.allocate(entries.length * 16);
    for (Entry e : entries) {
      while (e.type() == RpmDb.TYPE_INT32 && data.size() % 4 != 0) {
        data.write(0);
      }
      index.putInt(e.tag()).putInt(e.type()).putInt(data.size()).putInt(e.count());
      data.writeBytes(e.data());
    }
    return ByteBuffer.allocate(8 + index.capacity() + data.size()).putInt(entries.length).putInt(data.size())
        .put(index.array()).put(data.toByteArray()).array();
  }

  private static byte[] openssl() {
    return header(new Entry(63, 7, new byte[16], 16), str(RpmDb.TAG_NAME, "openssl-libs"), str(RpmDb.TAG_VERSION, "3.0.12"),
        str(RpmDb.TAG_RELEASE, "5.oe2403"), int32(RpmDb.TAG_EPOCH, 1), str(RpmDb.TAG_LICENSE, "Apache-2.0"),
        str(RpmDb.TAG_ARCH, "aarch64"), str(1004, "summary that is not read"));
  }

  @Test
  void parse_wellFormedHeader_readsNameEpochVersionReleaseArchLicense() {
    RpmDb.Header h = RpmDb.parse(openssl());
    assertThat(h).isEqualTo(new RpmDb.Header("openssl-libs", "3.0.12", "5.oe2403", Optional.of(1), "aarch64", Optional.of("Apache-2.0")));
    Sboms.Package p = RpmDb.pkg(h, "openeuler");
    assertThat(p.version()).isEqualTo("1:3.0.12-5.oe2403");
    assertThat(p.purl()).isEqualTo("pkg:rpm/openeuler/openssl-libs@3.0.12-5.oe2403?arch=aarch64&epoch=1");
    RpmDb.Header noEpoch = RpmDb.parse(header(str(RpmDb.TAG_NAME, "bash"), str(RpmDb.TAG_VERSION, "5.2.15"), str(RpmDb.TAG_RELEASE, "5.el9"),
        str(RpmDb.TAG_ARCH, "x86_64")));
    assertThat(RpmDb.pkg(noEpoch, "rocky").purl()).isEqualTo("pkg:rpm/rocky/bash@5.2.15-5.el9?arch=x86_64");
    assertThat(RpmDb.pkg(noEpoch, "rocky").license()).isEmpty();
  }

  @Test
  void parse_malformedHeaders_failWithOneLineReason() {
    byte[] good = openssl();
    assertThatThrownBy(() -> RpmDb.parse(new byte[5])).hasMessageContaining("shorter than its 8-byte intro");
    assertThatThrownBy(() -> RpmDb.parse(ByteBuffer.allocate(8).putInt(0x7fffffff).putInt(0).array())).hasMessageContaining("index entries");
    assertThatThrownBy(() -> RpmDb.parse(ByteBuffer.allocate(8).putInt(0).putInt(0).array())).hasMessageContaining("0 index entries");
    byte[] hugeData = good.clone();
    ByteBuffer.wrap(hugeData).putInt(4, 0xfffffff0);
    assertThatThrownBy(() -> RpmDb.parse(hugeData)).hasMessageContaining("bytes of data");
    assertThatThrownBy(() -> RpmDb.parse(java.util.Arrays.copyOf(good, good.length - 1))).hasMessageContaining("has only");
    byte[] farOffset = good.clone();
    ByteBuffer.wrap(farOffset).putInt(8 + 16 + 8, 0x7fff0000); // the NAME entry's offset
    assertThatThrownBy(() -> RpmDb.parse(farOffset)).hasMessageContaining("outside its");
    byte[] wrongType = good.clone();
    ByteBuffer.wrap(wrongType).putInt(8 + 16 + 4, RpmDb.TYPE_INT32);
    assertThatThrownBy(() -> RpmDb.parse(wrongType)).hasMessageContaining("not a string");
    byte[] unterminated = header(str(RpmDb.TAG_VERSION, "1"), str(RpmDb.TAG_RELEASE, "1"), new Entry(RpmDb.TAG_NAME, 6, "abc".getBytes(), 1));
    assertThatThrownBy(() -> RpmDb.parse(unterminated)).hasMessageContaining("not terminated");
    byte[] shortEpoch = header(str(RpmDb.TAG_NAME, "a"), str(RpmDb.TAG_VERSION, "1"), str(RpmDb.TAG_RELEASE, "1"),
        new Entry(RpmDb.TAG_EPOCH, RpmDb.TYPE_INT32, new byte[2], 1));
    assertThatThrownBy(() -> RpmDb.parse(shortEpoch)).hasMessageContaining("32-bit integer");
    assertThatThrownBy(() -> RpmDb.parse(header(str(RpmDb.TAG_VERSION, "1"), str(RpmDb.TAG_RELEASE, "1"))))
        .hasMessageContaining("lacks a name");
  }

  @Test
  void parse_everyTruncationAndRandomDamage_eitherParsesOrFailsCleanly() {
    byte[] good = openssl();
    int failures = 0;
    for (int n = 0; n < good.length; n++) {
      try {
        RpmDb.parse(java.util.Arrays.copyOf(good, n));
      } catch (IllegalArgumentException e) {
        failures++;
      }
    }
    assertThat(failures).as("every truncation leaves the data store short").isEqualTo(good.length);
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = good.clone();
      for (int k = 0; k < 1 + random.nextInt(4); k++) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
      try {
        RpmDb.parse(b);
      } catch (IllegalArgumentException e) {
        // the only way a damaged header may fail
      }
    }
  }

  @Test
  void sqlite_listsPackagesSkipsBrokenHeadersAndKeysWithAWarning() throws Exception {
    Path db = tmp.resolve("rpmdb.sqlite");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)");
      try (PreparedStatement p = c.prepareStatement("INSERT INTO Packages (blob) VALUES (?)")) {
        for (byte[] blob : List.of(openssl(), new byte[] {0, 0, 0, 9, 1, 2},
            header(str(RpmDb.TAG_NAME, "gpg-pubkey"), str(RpmDb.TAG_VERSION, "b6792c39"), str(RpmDb.TAG_RELEASE, "53c4fbdd")))) {
          p.setBytes(1, blob);
          p.executeUpdate();
        }
      }
    }
    List<String> warnings = new ArrayList<>();
    List<Sboms.Package> pkgs = RpmDb.sqlite(Files.readAllBytes(db), Optional.empty(), "openeuler", warnings::add);
    assertThat(pkgs).extracting(Sboms.Package::purl).containsExactly("pkg:rpm/openeuler/openssl-libs@3.0.12-5.oe2403?arch=aarch64&epoch=1");
    assertThat(warnings).singleElement().asString().startsWith("skipping RPM header 2 of var/lib/rpm/rpmdb.sqlite: ");

    warnings.clear();
    assertThat(RpmDb.sqlite("not a database at all".repeat(100).getBytes(StandardCharsets.UTF_8), Optional.empty(), "fedora", warnings::add))
        .isEmpty();
    assertThat(warnings).singleElement().asString().startsWith("cannot read var/lib/rpm/rpmdb.sqlite (").doesNotContain("\n");
  }
}
