package dev.ferry.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignaturesTest {
  @TempDir Path tmp;

  @Test
  void generate_writesAPrivateKeyOnlyTheOwnerReadsAndAMatchingPublicKey() throws Exception {
    Signatures.Written w = Signatures.generate(tmp.resolve("k"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(w.privateKey()))).isEqualTo("rw-------");
    var priv = Signatures.readPrivate(w.privateKey());
    var pub = Signatures.readPublic(w.publicKey());
    assertThat(Signatures.keyId(Signatures.publicOf(priv))).isEqualTo(w.keyId()).isEqualTo(Signatures.keyId(pub));
    byte[] data = "lock".getBytes(StandardCharsets.UTF_8);
    byte[] sig = Signatures.signatureFile(priv, pub, data);
    Signatures.check(pub, data, sig, "lock");
    assertThatThrownBy(() -> Signatures.check(pub, "lock!".getBytes(StandardCharsets.UTF_8), sig, "lock"))
        .isInstanceOf(SignatureException.class).hasMessageContaining("altered after signing");
    assertThatThrownBy(() -> Signatures.generate(tmp.resolve("k"))).hasMessageContaining("already exists");
  }

  @Test
  void readPrivate_publicKeyFile_isRefusedNamingTheFile() throws Exception {
    Signatures.Written w = Signatures.generate(tmp.resolve("k"));
    assertThatThrownBy(() -> Signatures.readPrivate(w.publicKey())).hasMessageContaining(w.publicKey().toString());
  }
}
